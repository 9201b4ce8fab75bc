"""Route paths compiled as Starlette compiles them, and exact inclusion between them.

Every verdict is also checked against Starlette's own regex: a witness must be matched by
the later route's regex and not by the earlier one's; an example by both.
"""

from __future__ import annotations

import pytest
from starlette.convertors import CONVERTOR_TYPES
from starlette.routing import PARAM_REGEX, Mount, compile_path as starlette_compile_path

from fastapi_lint.semantic.paths import (
    CONVERTOR_REGEXES,
    PARAM_REGEX as OUR_PARAM_REGEX,
    compile_mount,
    compile_path,
    covers,
)


def starlette_regex(path: str, mount: bool = False):
    if mount:
        return Mount(path, app=lambda scope, receive, send: None).path_regex
    return starlette_compile_path(path)[0]


def pattern(path: str):
    if path.startswith("mount:"):
        return compile_mount(path[len("mount:") :])
    return compile_path(path)


def check(earlier: str | list[str], later: str) -> tuple[bool, str]:
    """Our verdict, after checking its path against Starlette's regexes."""
    earlier_list = [earlier] if isinstance(earlier, str) else earlier
    result = covers([pattern(p) for p in earlier_list], pattern(later))
    later_regex = starlette_regex(later.removeprefix("mount:"), later.startswith("mount:"))
    assert later_regex.match(result.path), (later, result.path)
    matched_by_earlier = any(
        starlette_regex(p.removeprefix("mount:"), p.startswith("mount:")).match(result.path)
        for p in earlier_list
    )
    assert matched_by_earlier == result.included, (earlier, later, result)
    return result.included, result.path


def test_convertors_are_starlettes():
    assert CONVERTOR_REGEXES == {name: c.regex for name, c in CONVERTOR_TYPES.items()}
    assert OUR_PARAM_REGEX.pattern == PARAM_REGEX.pattern


@pytest.mark.parametrize(
    "path, matching, not_matching",
    [
        ("/books/{book_id}", ["/books/featured", "/books/1"], ["/books/", "/books/a/b", "/books"]),
        ("/books/{book_id:int}", ["/books/1", "/books/007"], ["/books/featured", "/books/-1", "/books/1.5"]),
        ("/p/{x:float}", ["/p/1", "/p/1.5"], ["/p/.5", "/p/1.", "/p/1e3"]),
        ("/u/{x:uuid}", ["/u/12345678-1234-1234-1234-123456789abc", "/u/12345678123412341234123456789ABC"],
         ["/u/12345678-1234-1234-1234-123456789abg", "/u/1234"]),
        ("/files/{name}.json", ["/files/latest.json", "/files/a.b.json"], ["/files/.json", "/files/latest.yaml"]),
        ("/static/{rest:path}", ["/static/", "/static/a/b/c"], ["/static"]),
        ("/{a}{b}", ["/xy"], ["/x"]),
        ("/price.{x}", ["/price.1"], ["/priceX1"]),  # the dot is literal, not "any character"
        ("/odd/{1x}", ["/odd/{1x}"], ["/odd/1x"]),  # not a parameter: literal braces
    ],
)
def test_compile_path_matches_what_starlette_matches(path, matching, not_matching):
    ours, theirs = compile_path(path), starlette_regex(path)
    for candidate in matching:
        assert ours.matches(candidate) and theirs.match(candidate), candidate
    for candidate in not_matching:
        assert not ours.matches(candidate) and not theirs.match(candidate), candidate


@pytest.mark.parametrize(
    "path",
    ["/items/{id:custom}", "/items/{id}/{id}", "items/{id}", "", "{subdomain}.example.org"],
)
def test_paths_starlette_would_not_route_are_unknown(path):
    assert compile_path(path) is None


def test_mount_matches_prefix_slash_and_below_but_not_the_bare_prefix():
    mount = compile_mount("/static")
    assert [mount.matches(p) for p in ("/static", "/static/", "/static/css/a.css", "/staticx")] == [
        False, True, True, False,
    ]
    assert compile_mount("/static/").matches("/static/a")  # the trailing slash is stripped
    root = compile_mount("")
    assert root.matches("/") and root.matches("/anything/at/all")
    assert compile_mount("/static/{path}") is None  # duplicated `path` parameter: ValueError


@pytest.mark.parametrize(
    "earlier, later",
    [
        ("/books/{book_id}", "/books/featured"),
        ("/users/{user_id}", "/users/me"),
        ("/files/{name}.json", "/files/latest.json"),
        ("/files/{name}", "/files/latest.json"),
        ("/files/{name}", "/files/{stem}.json"),
        ("/users/{uid}/items/{iid}", "/users/me/items/{iid}"),
        ("/items/{item_id}", "/items/{item_id:int}"),  # the str convertor takes every int
        ("/x/{a:float}", "/x/{b:int}"),
        ("/u/{a}", "/u/{b:uuid}"),
        ("/{rest:path}", "/"),
        ("/a/{rest:path}", "/a/{x}/{y}"),  # a path convertor spans segments
        ("/a/{rest:path}", "/a/"),  # and may be empty
        ("/a/{rest:path}", "/a/{x:path}"),
        ("/{name}.{ext}", "/{archive}.tar.gz"),  # greedy regex: still the same language
        ("/items", "/items"),  # exact duplicate
        ("mount:/static", "/static/{file}"),
        ("mount:/static", "/static/"),
        ("mount:", "/"),
        ("mount:/static", "mount:/static/css"),
        ("mount:/v1/{tenant}", "/v1/acme/users"),
    ],
)
def test_shadowed(earlier, later):
    included, example = check(earlier, later)
    assert included


@pytest.mark.parametrize(
    "earlier, later, witness",
    [
        ("/books/{book_id:int}", "/books/featured", "/books/featured"),
        ("/books/featured", "/books/{book_id}", "/books/x"),  # the right order: a partial overlap
        ("/items/{id:int}", "/items/{id}", "/items/x"),
        ("/x/{a:int}", "/x/{b:float}", "/x/1.1"),
        ("/u/{a:uuid}", "/u/{b}", "/u/x"),
        ("/a/{x}", "/a/{rest:path}", "/a/"),  # a str parameter is never empty
        ("/a/{x}", "/a/{x}/{y}", "/a/x/x"),  # different segment counts never collide
        ("/a/{x}/{y}", "/a/{x}", "/a/x"),
        ("/files/{name}.json", "/files/{name}", "/files/x"),
        ("/items/", "/items", "/items"),  # the trailing slash is part of the path
        ("mount:/static", "/static", "/static"),  # a mount never matches its bare prefix
        ("mount:/static", "/staticfiles/{f}", "/staticfiles/x"),
        ("/static/{f}", "mount:/static", "/static/"),
    ],
)
def test_not_shadowed(earlier, later, witness):
    included, found = check(earlier, later)
    assert not included
    assert found == witness


def test_witness_is_the_shortest_path():
    assert check("/items/{id:int}", "/items/{slug}")[1] == "/items/x"
    assert check("/{a}/{b}", "/{p:path}")[1] == "/"


def test_several_earlier_routes_together():
    # Integers and decimals: every float the later route takes, neither route alone.
    earlier = ["/f/{x:int}", "/f/{a:int}.{b:int}"]
    assert check(earlier, "/f/{x:float}")[0]
    assert not check(earlier[:1], "/f/{x:float}")[0]
    assert not check(earlier[1:], "/f/{x:float}")[0]
    assert not check(["/f/{x:int}", "/f/{a:int}.json"], "/f/{x:float}")[0]


def test_literal_characters_inside_convertor_classes():
    # `f` is a hex letter, `1` a digit: literals that fall inside a convertor's class must
    # not be confused with the rest of the class.
    assert not check("/u/ffffffff-ffff-ffff-ffff-ffffffffffff", "/u/{id:uuid}")[0]
    assert check("/u/{id:uuid}", "/u/ffffffff-ffff-ffff-ffff-ffffffffffff")[0]
    assert check("/n/{x:int}", "/n/1")[0]
    assert not check("/n/1", "/n/{x:int}")[0]
    assert check(["/n/1", "/n/{x:int}"], "/n/{y:int}")[0]


def test_search_gives_up_instead_of_hanging(monkeypatch):
    from fastapi_lint.semantic import paths

    monkeypatch.setattr(paths, "MAX_STATES", 5)
    result = covers(compile_path("/{a}/{b}/{c}"), compile_path("/x/{y}/{z}"))
    assert result == paths.Inclusion(False, None)
