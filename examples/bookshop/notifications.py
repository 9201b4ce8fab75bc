import logging

logger = logging.getLogger("bookshop.notifications")


async def notify_new_book(title: str) -> None:
    logger.info("New book: %s", title)
