"""Items: every kind of group content (app.items.kinds), with comments, stars, attachments,
reports, moderation, search and digests shared by all kinds."""
