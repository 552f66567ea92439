from chainkit.migrations import run_env

run_env()
