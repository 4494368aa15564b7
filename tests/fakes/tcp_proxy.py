"""A TCP proxy on 127.0.0.1 that a test can cut and restore, to take a server "down"."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards connections to `target`; `cut()` drops them all and refuses new ones;
    `hang()` keeps them open but passes nothing (a server that stopped answering)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        """Listen (on a free port the first time, the same port after a cut)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening (connections are refused) and reset every open connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    def hang(self) -> None:
        self._flowing.clear()

    def unhang(self) -> None:
        self._flowing.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            _pipe(reader, up_writer, self._flowing),
            _pipe(up_reader, writer, self._flowing),
            return_exceptions=True,
        )
        self._writers -= {writer, up_writer}
        for w in (writer, up_writer):
            w.transport.abort()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    """Copy bytes one way until EOF or an error; then half-close the other side."""
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
