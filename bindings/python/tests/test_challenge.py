"""new_challenge(): 43 URL-safe base64 characters, fresh every time."""

from __future__ import annotations

import base64
import re

from soter_verify import new_challenge


def test_new_challenge_shape_and_uniqueness() -> None:
    seen = {new_challenge() for _ in range(1000)}
    assert len(seen) == 1000
    for c in list(seen)[:50]:
        assert isinstance(c, str) and len(c) == 43
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", c)
        assert len(base64.urlsafe_b64decode(c + "=")) == 32
