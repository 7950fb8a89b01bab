"""Threads between home and school: the tables, the inbox and its pages, attachments,
recipient lists and paper letters."""
