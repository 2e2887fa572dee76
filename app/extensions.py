"""Flask extensions, created once here and bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
def _include_name(name, type_, parent_names) -> bool:
    from app.search.models import include_name
    return include_name(name, type_, parent_names)


# include_name: full-text objects only one database has stay out of autogenerate's compare.
migrate = Migrate(render_as_batch=True, compare_type=True, include_name=_include_name)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def str_enum(enum_class, name: str) -> Enum:
    """A portable enum column: stored as its string values (VARCHAR + CHECK-free), the same on
    SQLite and PostgreSQL, so adding a value needs no ALTER TYPE."""
    return Enum(enum_class, name=name, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)
