"""The in-app notification list (/notifications) and its unread count in the header."""
