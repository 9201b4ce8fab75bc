"""Draft books: a module nobody includes yet (FPI401), with two dependency mistakes."""

from fastapi import APIRouter, Depends

from ..database import connect, get_db

router = APIRouter(prefix="/drafts")


def get_draft_db():
    conn = connect()
    yield conn
    conn.close()


@router.get("/")
def list_drafts(conn=Depends(get_db()), drafts=Depends(get_draft_db)):
    return {"drafts": []}
