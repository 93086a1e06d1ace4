"""Peer support: groups, mentors and each person's connections (placeholder until built)."""

from engagement.models import PeerConnection
from patients.models import Enrollment


def peer_connections_of(*, enrollment: Enrollment) -> list[PeerConnection]:
    return []
