"""National runs: the queue split by region into parts, each part's pairs built and solved on its
own worker (in process or on Ray), coupled through shared seats, pools and caps by prices."""
