"""When requests go upstream: debounce, supersede, cache, in-flight reuse, and what was learnt."""
