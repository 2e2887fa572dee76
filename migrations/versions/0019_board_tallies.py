"""Tallies of published items per theme, kind, read access, category and filter value, kept
by triggers on `item` and `item_filter_value` in the same transaction as every write, and
filled from the existing items.

Revision ID: 0019_tallies
Revises: 0011_wikitasks
Create Date: 2026-11-23 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_tallies'
down_revision = '0011_wikitasks'
branch_labels = None
depends_on = None

KEY = "theme_id, kind, read_access, category_id"
VALUE_KEY = KEY + ", filter_value_id"

# SQLite: one trigger per event; a published row counts, any other state does not. An item's
# delete is counted BEFORE it happens, while its filter values still exist (the foreign key's
# cascade removes them after the item, when they no longer find it published).
SQLITE = [
    f"""CREATE TRIGGER item_tally_insert AFTER INSERT ON item WHEN NEW.state = 'published'
    BEGIN
      INSERT INTO item_tally ({KEY}, n)
      VALUES (NEW.theme_id, NEW.kind, NEW.read_access, COALESCE(NEW.category_id, 0), 1)
      ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;
      INSERT INTO item_value_tally ({VALUE_KEY}, n)
      SELECT NEW.theme_id, NEW.kind, NEW.read_access, COALESCE(NEW.category_id, 0), filter_value_id, 1
      FROM item_filter_value WHERE item_id = NEW.id
      ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER item_tally_update
    AFTER UPDATE OF state, theme_id, kind, read_access, category_id ON item
    WHEN (OLD.state = 'published' OR NEW.state = 'published')
     AND (OLD.state IS NOT NEW.state OR OLD.theme_id IS NOT NEW.theme_id OR OLD.kind IS NOT NEW.kind
          OR OLD.read_access IS NOT NEW.read_access OR OLD.category_id IS NOT NEW.category_id)
    BEGIN
      UPDATE item_tally SET n = n - 1
      WHERE OLD.state = 'published' AND theme_id = OLD.theme_id AND kind = OLD.kind
        AND read_access = OLD.read_access AND category_id = COALESCE(OLD.category_id, 0);
      UPDATE item_value_tally SET n = n - 1
      WHERE OLD.state = 'published' AND theme_id = OLD.theme_id AND kind = OLD.kind
        AND read_access = OLD.read_access AND category_id = COALESCE(OLD.category_id, 0)
        AND filter_value_id IN (SELECT filter_value_id FROM item_filter_value WHERE item_id = OLD.id);
      INSERT INTO item_tally ({KEY}, n)
      SELECT NEW.theme_id, NEW.kind, NEW.read_access, COALESCE(NEW.category_id, 0), 1
      WHERE NEW.state = 'published'
      ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;
      INSERT INTO item_value_tally ({VALUE_KEY}, n)
      SELECT NEW.theme_id, NEW.kind, NEW.read_access, COALESCE(NEW.category_id, 0), filter_value_id, 1
      FROM item_filter_value WHERE item_id = NEW.id AND NEW.state = 'published'
      ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER item_tally_delete BEFORE DELETE ON item WHEN OLD.state = 'published'
    BEGIN
      UPDATE item_tally SET n = n - 1
      WHERE theme_id = OLD.theme_id AND kind = OLD.kind AND read_access = OLD.read_access
        AND category_id = COALESCE(OLD.category_id, 0);
      UPDATE item_value_tally SET n = n - 1
      WHERE theme_id = OLD.theme_id AND kind = OLD.kind AND read_access = OLD.read_access
        AND category_id = COALESCE(OLD.category_id, 0)
        AND filter_value_id IN (SELECT filter_value_id FROM item_filter_value WHERE item_id = OLD.id);
    END""",
    f"""CREATE TRIGGER item_value_tally_insert AFTER INSERT ON item_filter_value
    BEGIN
      INSERT INTO item_value_tally ({VALUE_KEY}, n)
      SELECT theme_id, kind, read_access, COALESCE(category_id, 0), NEW.filter_value_id, 1
      FROM item WHERE id = NEW.item_id AND state = 'published'
      ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER item_value_tally_update AFTER UPDATE ON item_filter_value
    BEGIN
      UPDATE item_value_tally SET n = n - 1
      WHERE filter_value_id = OLD.filter_value_id AND ({KEY}) = (
        SELECT theme_id, kind, read_access, COALESCE(category_id, 0)
        FROM item WHERE id = OLD.item_id AND state = 'published');
      INSERT INTO item_value_tally ({VALUE_KEY}, n)
      SELECT theme_id, kind, read_access, COALESCE(category_id, 0), NEW.filter_value_id, 1
      FROM item WHERE id = NEW.item_id AND state = 'published'
      ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER item_value_tally_delete AFTER DELETE ON item_filter_value
    BEGIN
      UPDATE item_value_tally SET n = n - 1
      WHERE filter_value_id = OLD.filter_value_id AND ({KEY}) = (
        SELECT theme_id, kind, read_access, COALESCE(category_id, 0)
        FROM item WHERE id = OLD.item_id AND state = 'published');
    END""",
]

# PostgreSQL: the same rules in two trigger functions.
POSTGRESQL = [
    f"""CREATE FUNCTION item_tally_add(t integer, k varchar, a varchar, c integer, item integer,
                                       delta integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      IF delta > 0 THEN
        INSERT INTO item_tally AS x ({KEY}, n) VALUES (t, k, a, c, delta)
        ON CONFLICT ({KEY}) DO UPDATE SET n = x.n + delta;
        INSERT INTO item_value_tally AS x ({VALUE_KEY}, n)
        SELECT t, k, a, c, v.filter_value_id, delta FROM item_filter_value v WHERE v.item_id = item
        ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = x.n + delta;
      ELSE
        UPDATE item_tally SET n = n + delta
        WHERE theme_id = t AND kind = k AND read_access = a AND category_id = c;
        UPDATE item_value_tally SET n = n + delta
        WHERE theme_id = t AND kind = k AND read_access = a AND category_id = c
          AND filter_value_id IN (SELECT filter_value_id FROM item_filter_value WHERE item_id = item);
      END IF;
    END $$""",
    """CREATE FUNCTION item_tally_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        IF OLD.state = 'published' THEN
          PERFORM item_tally_add(OLD.theme_id, OLD.kind, OLD.read_access,
                                 COALESCE(OLD.category_id, 0), OLD.id, -1);
        END IF;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        IF NEW.state = 'published' THEN
          PERFORM item_tally_add(NEW.theme_id, NEW.kind, NEW.read_access,
                                 COALESCE(NEW.category_id, 0), NEW.id, 1);
        END IF;
        RETURN NULL;
      END IF;
      RETURN OLD;
    END $$""",
    f"""CREATE FUNCTION item_value_tally_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        UPDATE item_value_tally x SET n = x.n - 1 FROM item i
        WHERE i.id = OLD.item_id AND i.state = 'published' AND x.theme_id = i.theme_id
          AND x.kind = i.kind AND x.read_access = i.read_access
          AND x.category_id = COALESCE(i.category_id, 0) AND x.filter_value_id = OLD.filter_value_id;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO item_value_tally AS x ({VALUE_KEY}, n)
        SELECT i.theme_id, i.kind, i.read_access, COALESCE(i.category_id, 0), NEW.filter_value_id, 1
        FROM item i WHERE i.id = NEW.item_id AND i.state = 'published'
        ON CONFLICT ({VALUE_KEY}) DO UPDATE SET n = x.n + 1;
      END IF;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER item_tally_insert AFTER INSERT ON item "
    "FOR EACH ROW EXECUTE FUNCTION item_tally_trigger()",
    "CREATE TRIGGER item_tally_update AFTER UPDATE OF state, theme_id, kind, read_access, "
    "category_id ON item FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state "
    "OR OLD.theme_id IS DISTINCT FROM NEW.theme_id OR OLD.kind IS DISTINCT FROM NEW.kind "
    "OR OLD.read_access IS DISTINCT FROM NEW.read_access "
    "OR OLD.category_id IS DISTINCT FROM NEW.category_id) EXECUTE FUNCTION item_tally_trigger()",
    "CREATE TRIGGER item_tally_delete BEFORE DELETE ON item "
    "FOR EACH ROW EXECUTE FUNCTION item_tally_trigger()",
    "CREATE TRIGGER item_value_tally_change AFTER INSERT OR UPDATE OR DELETE ON item_filter_value "
    "FOR EACH ROW EXECUTE FUNCTION item_value_tally_trigger()",
]

FILL = [
    f"""INSERT INTO item_tally ({KEY}, n)
    SELECT theme_id, kind, read_access, COALESCE(category_id, 0), count(*) FROM item
    WHERE state = 'published' GROUP BY theme_id, kind, read_access, COALESCE(category_id, 0)""",
    f"""INSERT INTO item_value_tally ({VALUE_KEY}, n)
    SELECT i.theme_id, i.kind, i.read_access, COALESCE(i.category_id, 0), v.filter_value_id, count(*)
    FROM item i JOIN item_filter_value v ON v.item_id = i.id WHERE i.state = 'published'
    GROUP BY i.theme_id, i.kind, i.read_access, COALESCE(i.category_id, 0), v.filter_value_id""",
]


def upgrade():
    op.create_table('item_tally',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('read_access', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_item_tally_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('theme_id', 'kind', 'read_access', 'category_id', name=op.f('pk_item_tally'))
    )
    op.create_table('item_value_tally',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('read_access', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('filter_value_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_item_value_tally_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('theme_id', 'kind', 'read_access', 'category_id', 'filter_value_id', name=op.f('pk_item_value_tally'))
    )
    for statement in FILL:
        op.execute(statement)
    for statement in (POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER item_value_tally_change ON item_filter_value")
        for name in ("item_tally_insert", "item_tally_update", "item_tally_delete"):
            op.execute(f"DROP TRIGGER {name} ON item")
        for name in ("item_value_tally_trigger()", "item_tally_trigger()",
                     "item_tally_add(integer, varchar, varchar, integer, integer, integer)"):
            op.execute(f"DROP FUNCTION {name}")
    else:
        for name in ("item_value_tally_delete", "item_value_tally_update", "item_value_tally_insert",
                     "item_tally_delete", "item_tally_update", "item_tally_insert"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('item_value_tally')
    op.drop_table('item_tally')
