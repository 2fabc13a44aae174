"""The raw baselines of ``make bench``: hand-written aiokafka pass-through loops.

Run by bench_stream.py as a process of its own, as the service runs (`corpactions
worker`) and the naive faust relay (faust_relay.py): each gets the CPU the operating
system gives a process, not a share of the benchmark's own event loop, which reads the
outputs meanwhile.

    python raw_loop.py --bootstrap HOST:PORT --source IN --sink OUT --n N
                       [--exactly-once] [--state STATE_TOPIC]

Exits 0 once it has consumed and re-produced ``N`` records (and committed them), 1 with
a message on stderr otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def send_as_the_service(
    records: list[Any], producer: AIOKafkaProducer, dst: str, state: str
) -> list[Any]:
    """Per record: itself to ``dst``, an action- and a history-sized record to ``state``,
    appended to whole batches per topic (both have one partition) and sent as batches."""
    futures: list[Any] = []
    builders: dict[str, Any] = {}

    async def append(topic: str, key: bytes, value: bytes) -> None:
        builder = builders.get(topic)
        if builder is None:
            builder = builders[topic] = producer.create_batch()
        if builder.append(key=key, value=value, timestamp=None) is None:  # full: send it
            builder.close()
            futures.append(await producer.send_batch(builder, topic, partition=0))
            builder = builders[topic] = producer.create_batch()
            builder.append(key=key, value=value, timestamp=None)

    for r in records:
        key = r.key or b""
        await append(dst, key, r.value)
        await append(state, b"a:" + key, r.value)
        await append(state, b"h:" + key, r.value[:200])
    for topic, builder in builders.items():
        builder.close()
        futures.append(await producer.send_batch(builder, topic, partition=0))
    return futures


async def passthrough(
    bootstrap: str, src: str, dst: str, n: int, exactly_once: bool, state: str | None = None
) -> None:
    """Re-produce ``n`` records as a hand-written aiokafka loop would: getmany batches,
    send each, then commit the batch's offsets; with ``exactly_once`` (the service's
    guarantee), read_committed and one transaction per batch holding records and offsets.
    With ``state``, each record also writes two records to that (compacted) topic, as
    the service writes an action and a history record per resolution, and every record
    goes out in whole batches per partition, as the service sends them: the same writes,
    with no processing at all."""
    group = f"{'rawtx' if exactly_once else 'raw'}{'-state' if state else ''}-{src}"
    consumer = AIOKafkaConsumer(src, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                isolation_level="read_committed" if exactly_once
                                else "read_uncommitted", max_poll_records=2000)  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=512 * 1024,
                                transactional_id=group if exactly_once else None)  # fmt: skip
    await consumer.start()
    await producer.start()
    seen = 0
    try:
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                continue
            if exactly_once:
                await producer.begin_transaction()
            if state is None:
                futures = [await producer.send(dst, r.value, key=r.key)
                           for records in batch.values() for r in records]  # fmt: skip
            else:
                futures = await send_as_the_service([r for rs in batch.values() for r in rs],
                                                    producer, dst, state)  # fmt: skip
            seen += sum(len(records) for records in batch.values())
            if exactly_once:
                offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
                await producer.send_offsets_to_transaction(offsets, group)
                await producer.commit_transaction()
            else:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--n", type=int, required=True, help="records to pass through")
    parser.add_argument("--exactly-once", action="store_true")
    parser.add_argument("--state", help="also write 2 state records per input to this topic")
    args = parser.parse_args()
    asyncio.run(
        passthrough(args.bootstrap, args.source, args.sink, args.n, args.exactly_once, args.state)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
