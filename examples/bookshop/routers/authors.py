from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/authors")
AUTHORS = {1: "Frank Herbert", 2: "Ursula K. Le Guin"}


@router.get("/{author_id}/books")
def author_books():
    return {"books": []}


@router.get("/{author_id}")
def read_author(authorid: int):
    return {"name": AUTHORS.get(authorid)}


@router.get("/{author_id:int}/name")
def author_name(author_id: str):
    return {"name": AUTHORS.get(int(author_id))}


@router.get("/{author_id}/profile")
def author_profile(author_id: int):
    if author_id not in AUTHORS:
        return HTTPException(status_code=404, detail="Author not found")
    return {"name": AUTHORS[author_id]}


reviews = APIRouter(prefix="/{author_id}/reviews")
router.include_router(reviews)


@reviews.get("/")
def author_reviews(author_id: int):
    return {"author_id": author_id, "reviews": []}


@router.delete("/{author_id}", status_code=204)
def delete_author(author_id: int):
    AUTHORS.pop(author_id, None)
    return {"deleted": author_id}
