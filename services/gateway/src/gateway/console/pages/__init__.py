"""One APIRouter per console area; `gateway.console.router` includes them all."""
