"""A TCP proxy a test can cut: every connection dropped and new ones refused, as a
server restarting looks to its clients, then let through again."""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttableProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener: socket.socket | None = None
        self.port = 0
        self.open_sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def start(self) -> CuttableProxy:
        self._listen(0)
        return self

    def cut(self) -> None:
        """Drop every connection and refuse new ones (the listening port closes)."""
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.open_sockets = self.open_sockets, set()
        if listener:
            # Closing alone leaves a thread blocked in accept() holding the socket open (it
            # still accepts, and restore() cannot bind the port again): shutting it down
            # wakes that thread and really closes the port.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self._listen(self.port)

    def stop(self) -> None:
        self.stopped.set()
        self.cut()

    def _listen(self, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self.lock:
            self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                if self.listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self.open_sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
