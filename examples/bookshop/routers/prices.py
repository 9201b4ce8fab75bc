import asyncio

from fastapi import APIRouter

router = APIRouter(prefix="/prices")


async def refresh_price_cache(isbn: str) -> None:
    await asyncio.sleep(0)


@router.post("/{isbn}/refresh")
async def refresh_price(isbn: str):
    asyncio.create_task(refresh_price_cache(isbn))  # nothing keeps the task
    return {"status": "scheduled"}
