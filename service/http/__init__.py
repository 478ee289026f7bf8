"""The HTTP layer: the app, its routes, request checks, guard rails and error mapping."""
