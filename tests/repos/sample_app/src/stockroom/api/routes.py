"""Routes: JSON in, JSON out."""

from __future__ import annotations

import json
from typing import Any

from ..errors import NotFound, StockroomError
from ..service import service_for


class Router:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Any] = {}

    def route(self, path: str, methods=("GET",)):
        def register(handler):
            for method in methods:
                self.routes[(method, path)] = handler
            return handler

        return register

    def dispatch(self, method: str, path: str, body: bytes = b"") -> tuple[int, str]:
        handler = self.routes.get((method, path))
        if handler is None:
            return 404, json.dumps({"error": "no route"})
        try:
            payload = json.loads(body or b"{}")
            return 200, json.dumps(handler(**payload))
        except NotFound as exc:
            return 404, json.dumps({"error": str(exc)})
        except StockroomError as exc:
            return 409, json.dumps({"error": str(exc), "code": exc.code})


app = Router()
DB_PATH = "stockroom.json"


@app.route("/items/reserve", methods=("POST",))
def reserve(sku: str, count: int = 1) -> dict[str, Any]:
    reservation = service_for(DB_PATH).reserve(sku, count)
    return {"id": reservation.id, "sku": sku, "count": count}


@app.route("/items/low")
def low_stock() -> list[dict[str, Any]]:
    return [item.to_dict() for item in service_for(DB_PATH).low_stock_items()]


class HealthView:
    @staticmethod
    @app.route("/health")
    def get() -> dict[str, str]:
        return {"status": "ok"}
