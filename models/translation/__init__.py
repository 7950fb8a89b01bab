"""Machine translation of what people write (messages, posts, events, consents), through
a LibreTranslate server the municipality runs itself; nothing is configured by default
and no text ever goes anywhere else. The interface's own languages are in languages.py.
"""
