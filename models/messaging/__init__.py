"""Threads between home and school: `tables`; `inbox` (the lists, unread counts and
writing: replies, new conversations, announcements); `thread_page` (a thread's messages,
files and participants); `recipients` (who is on the other side); `attachments` (files
checked by their content); `sensitive` (the gentle warning on health words); `letters`
(paper letters for guardians who refuse electronic contact)."""
