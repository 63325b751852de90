"""Who may use the page: Gradio's own sign-in, with the users from `--auth USER:PASSWORD` or from a file
of such lines. A page served beyond this machine (a host that is not a loopback address, or a share link)
requires sign-in unless `--no-auth` says explicitly that anyone who reaches it may read, upload and
remove. With sign-in on, every event and API endpoint (upload and removal included) needs a session."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

Users = list[tuple[str, str]]


class AuthError(ValueError):
    """Sign-in settings that cannot be used; the message says what to give instead."""


def _pair(line: str, where: str) -> tuple[str, str]:
    user, sep, password = line.partition(":")
    if not sep or not user.strip() or not password:
        raise AuthError(f"{where}: expected USER:PASSWORD")
    return user.strip(), password


def parse_users(value: str) -> Users:
    """`USER:PASSWORD`, or the path of a file with one USER:PASSWORD per line (# comments, blank lines)."""
    path = Path(value)
    if path.is_file():
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        wanted = [(i, ln) for i, ln in enumerate(lines, 1) if ln and not ln.startswith("#")]
        users = [_pair(ln, f"{path} line {i}") for i, ln in wanted]
        if not users:
            raise AuthError(f"{path}: no USER:PASSWORD lines")
        return users
    if ":" not in value:
        raise AuthError(f"--auth {value!r}: neither USER:PASSWORD nor a file of such lines")
    return [_pair(value, "--auth")]


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost (and whatever else resolves only to loopback addresses)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def page_users(host: str, share: bool, auth: str | None, no_auth: bool) -> Users | None:
    """The users Gradio's sign-in accepts, or None for an open page. Refuses to open a page beyond
    this machine without sign-in unless `no_auth` is given; both at once is a contradiction."""
    if auth and no_auth:
        raise AuthError("--auth and --no-auth contradict each other: give one")
    if auth:
        return parse_users(auth)
    if (share or not is_loopback(host)) and not no_auth:
        where = "a share link" if share else f"host {host}"
        raise AuthError(
            f"{where} makes the page reachable from other machines, and anyone who reaches it can upload "
            f"and remove documents: give --auth USER:PASSWORD (or a file of such lines), or --no-auth "
            f"to serve it open on purpose"
        )
    return None
