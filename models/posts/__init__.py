"""Posts with photos and films: `tables`; `posts` (publishing, editing, purging);
`photo_consent` (each tagged child's consent per use, and revocation carried through);
`feed` (the feed and archive read model); `video`."""
