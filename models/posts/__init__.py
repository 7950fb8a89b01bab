"""Posts with photos and films: publishing under consent, the feed, and purging."""
