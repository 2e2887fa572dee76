"""Write forms of questions, blog articles and status updates: the board's post form (part,
category, filters, audience, attachments) with what each kind adds or names otherwise."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.posts.forms import PostForm
from app.toolkit.services import INTRO_MAX, MESSAGE_MAX, URL_MAX

MARKDOWN_HELP = _l("You can use Markdown: **bold**, *italic*, lists with -, links as "
                   "[text](https://…).")


class QuestionForm(PostForm):
    title = StringField(_l("Your question"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Explanation"), validators=[DataRequired(), Length(max=50_000)],
                         description=MARKDOWN_HELP)


class ArticleForm(PostForm):
    intro = TextAreaField(_l("Intro"), validators=[DataRequired(), Length(max=INTRO_MAX)],
                          description=_l("A short summary for the list of articles, at most "
                                         "%(n)d characters.", n=INTRO_MAX))
    body = TextAreaField(_l("Article"), validators=[DataRequired(), Length(max=50_000)],
                         description=MARKDOWN_HELP)
    cover = FileField(_l("Cover image (optional)"))
    remove_cover = BooleanField(_l("Remove the cover image"))


class UpdateForm(PostForm):
    title = StringField(_l("Title"), validators=[Optional()])  # made from the message
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=MESSAGE_MAX)],
                         description=_l("At most %(n)d characters.", n=MESSAGE_MAX))
    image = FileField(_l("Image (optional)"))
    remove_image = BooleanField(_l("Remove the image"))
    video_url = StringField(_l("Video link (optional)"),
                            validators=[Optional(), Length(max=URL_MAX)],
                            description=_l("The address of a YouTube or Vimeo video. It is "
                                           "shown as a link; readers can choose to play it "
                                           "here."))
    link_url = StringField(_l("Link (optional)"), validators=[Optional(), Length(max=URL_MAX)],
                           description=_l("A web address (https://…), shown as a link."))
