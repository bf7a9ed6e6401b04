#!/usr/bin/env python3
"""A userspace WAN for scripts/bench, where the kernel has no netem: a TCP relay that limits the
rate (one token bucket per direction, shared by every connection), adds one-way latency to every
chunk, and emulates loss by holding a chunk for a retransmission timeout with the given
probability. It counts the bytes it carries from clients to the upstream (written to --stats).

  link-shaper.py --listen 127.0.0.1:PORT --upstream HOST:PORT --rate-mbit 100 --delay-ms 20 --loss 0.005
"""
import argparse, asyncio, random, time

parser = argparse.ArgumentParser()
parser.add_argument("--listen", required=True)
parser.add_argument("--upstream", required=True)
parser.add_argument("--rate-mbit", type=float, default=100)
parser.add_argument("--delay-ms", type=float, default=20)
parser.add_argument("--loss", type=float, default=0.0)
parser.add_argument("--rto-ms", type=float, default=200)
parser.add_argument("--stats", default=None)
args = parser.parse_args()
rate = args.rate_mbit * 1e6 / 8
uploaded = [0]


class Bucket:
    """Tokens in bytes, refilled at `rate`; a chunk waits until it may pass."""
    def __init__(self):
        self.tokens, self.stamp, self.lock = 0.0, time.monotonic(), asyncio.Lock()

    async def take(self, count):
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(rate * 0.05, self.tokens + (now - self.stamp) * rate)
                self.stamp = now
                if self.tokens >= count or self.tokens >= rate * 0.05:
                    self.tokens -= count
                    return
                await asyncio.sleep((count - self.tokens) / rate)


up, down = Bucket(), Bucket()


async def pump(reader, writer, bucket, counts):
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(16384)
            if not data:
                break
            await bucket.take(len(data))
            extra = args.rto_ms / 1000 if random.random() < args.loss else 0
            if counts:
                uploaded[0] += len(data)
            await queue.put((time.monotonic() + args.delay_ms / 1000 + extra, data))
    except (ConnectionError, OSError):
        pass
    await queue.put((0, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def handle(client_reader, client_writer):
    host, port = args.upstream.rsplit(":", 1)
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, upstream_writer, up, True), pump(upstream_reader, client_writer, down, False))


async def stats():
    while args.stats:
        with open(args.stats, "w") as f:
            f.write(f"{uploaded[0]}\n")
        await asyncio.sleep(0.1)


async def main():
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(handle, host, int(port))
    asyncio.create_task(stats())
    async with server:
        await server.serve_forever()

asyncio.run(main())
