"""chainkit: the plumbing every chainstore service shares, and nothing else."""
