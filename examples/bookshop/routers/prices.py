import asyncio

import requests
from fastapi import APIRouter

router = APIRouter(prefix="/prices")


async def refresh_price_cache(isbn: str) -> None:
    await asyncio.sleep(0)


@router.get("/{isbn}")
def price(isbn: str):
    # A plain `def` runs in the threadpool, but an upstream that stops answering holds
    # its thread for as long as it stays silent: requests has no default timeout.
    quote = requests.get(f"https://prices.example.org/isbn/{isbn}")
    return quote.json()


@router.post("/{isbn}/refresh")
async def refresh_price(isbn: str):
    asyncio.create_task(refresh_price_cache(isbn))  # nothing keeps the task
    return {"status": "scheduled"}
