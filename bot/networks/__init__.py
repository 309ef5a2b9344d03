"""Network adapters: where mentions come from and where approved replies go."""
