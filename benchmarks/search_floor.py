"""The floor under a search: what the database engine alone costs for a word, before any page.

For each word it times, one request at a time (the best of five), the statements an exact
answer cannot do without: counting the matches, ranking them for the 20 best (no policy), and
counting the matches the visibility policy lets a visitor see. A page at 16 connections on a
machine with N cores waits, at the 95th percentile, roughly 16/N times what one request costs,
so these floors tell which search targets the hardware can meet.

Run with the benchmark's environment (BOARD_SQLALCHEMY_DATABASE_URI of a seeded board):
    python -m benchmarks.search_floor klimaatplan subsidie
"""
from __future__ import annotations

import sys
import time

from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.items.models import Item
from app.permissions import VISITOR, visible_items_clause
from app.search.services import _match, parse


def best_of(statement, runs: int = 5) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = db.session.execute(statement).all()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, result


def main(words: list[str]) -> None:
    app = create_app()
    with app.app_context():
        print(f"Database: {db.engine.dialect.name}; items: "
              f"{db.session.scalar(select(func.count(Item.id))):,}")
        print("| word | matches | count ms | 20 best by rank ms | visible to a visitor | "
              "count through the policy ms |")
        print("|---|---|---|---|---|---|")
        for word in words:
            source, item_id, condition, score = _match(parse(word))
            count_ms, count = best_of(select(func.count()).select_from(source).where(condition))
            rank_ms, _rows = best_of(select(item_id).select_from(source).where(condition)
                                     .order_by(score.desc()).limit(20))
            visible_ms, visible = best_of(
                select(func.count()).select_from(source).join(Item, Item.id == item_id)
                .where(condition, visible_items_clause(VISITOR)))
            print(f"| {word} | {count[0][0]:,} | {count_ms:.1f} | {rank_ms:.1f} | "
                  f"{visible[0][0]:,} | {visible_ms:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["klimaatplan", "subsidie"])
