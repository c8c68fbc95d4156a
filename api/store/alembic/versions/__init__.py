"""The schema's revisions, oldest first (r0001 …); each has an upgrade and a downgrade."""
