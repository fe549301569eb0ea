#!/usr/bin/python3
# ---------------------------------------------------------------------------
#
# crosscheck_records.py
#     Generates test/unit/record_vectors.h: record batches (magic 2) and
#     legacy message sets (magic 0 and 1) written by kafka-python 2.0.2, an
#     implementation independent of src/record, with every codec it knows
#     (gzip, snappy in xerial framing, lz4 -- for magic 0 with the broken
#     KAFKA-3160 header checksum -- and zstd for magic 2), together with the
#     records each one holds.  test_record_vectors.c checks that our
#     validation, iteration and legacy conversion find exactly those records.
#
# The vectors are generated once and checked in; gzip headers carry a time
# stamp, so regenerating changes bytes but not meaning.  To regenerate:
#
#     /usr/bin/python3 test/unit/crosscheck_records.py > test/unit/record_vectors.h
#
# Needs kafka-python 2.0.2 and python3-snappy, python3-lz4 and
# python3-zstandard.  Before printing, every vector is read back with
# kafka-python's own readers (CRC checked) as a self-test.
#
# ---------------------------------------------------------------------------
import struct
import sys

import kafka.codec
import lz4.frame
from kafka.record.default_records import (DefaultRecordBatch,
                                          DefaultRecordBatchBuilder)
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

CODECS = {'none': 0, 'gzip': 1, 'snappy': 2, 'lz4': 3, 'zstd': 4}

# (timestamp, key, value, headers); values compress well, so that
# kafka-python does not fall back to sending them uncompressed.
V2_RECORDS = [
    (1600000000000, b'key-0', b'value-0 ' * 8, []),
    (1600000000007, None, b'value-1 ' * 8, [('h1', b'x'), ('h2', None)]),
    (1599999999000, b'', b'', []),
    (1600000001000, b'k3', None, [('', b'')]),
    (1600000002000, bytes(range(256)), b'v' * 300, []),
]

LEGACY_RECORDS = [
    (1500000000000, b'key-0', b'legacy value 0 ' * 6),
    (1500000005000, None, b'legacy value 1 ' * 6),
    (1500000001000, b'k2', None),
    (1500000002000, b'', b''),
]


class Xxh32(object):
    """XXH32 (xxHash spec) for kafka.codec.lz4_encode_old_kafka, which wants
    the python xxhash module (not packaged here).  Proven against the LZ4
    library's own frame header checksums in check_xxh32() before use."""

    P1, P2, P3, P4, P5 = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F,
                          0x165667B1)
    M = 0xFFFFFFFF

    def __init__(self, data, seed=0):
        self.h = self._hash(bytes(data), seed)

    @classmethod
    def _rotl(cls, x, r):
        return ((x << r) | (x >> (32 - r))) & cls.M

    @classmethod
    def _hash(cls, data, seed):
        P1, P2, P3, P4, P5, M, rotl = (cls.P1, cls.P2, cls.P3, cls.P4, cls.P5,
                                       cls.M, cls._rotl)
        n, i = len(data), 0
        if n >= 16:
            v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
            while n - i >= 16:
                for j in range(4):
                    lane = struct.unpack_from('<I', data, i + 4 * j)[0]
                    v[j] = rotl((v[j] + lane * P2) & M, 13) * P1 & M
                i += 16
            h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) +
                 rotl(v[3], 18)) & M
        else:
            h = (seed + P5) & M
        h = (h + n) & M
        while n - i >= 4:
            lane = struct.unpack_from('<I', data, i)[0]
            h = rotl((h + lane * P3) & M, 17) * P4 & M
            i += 4
        while i < n:
            h = rotl((h + data[i] * P5) & M, 11) * P1 & M
            i += 1
        h ^= h >> 15
        h = h * P2 & M
        h ^= h >> 13
        h = h * P3 & M
        h ^= h >> 16
        return h

    def digest(self):
        return struct.pack('>I', self.h)

    @classmethod
    def xxh32(cls, data, seed=0):
        return cls(data, seed)


def check_xxh32():
    assert Xxh32(b'').h == 0x02CC5D05
    for size in (0, 1, 100, 70000):
        for store_size in (False, True):
            frame = lz4.frame.compress(b'x' * size, store_size=store_size)
            end = 4 + 2 + (8 if frame[4] & 0x08 else 0)
            assert frame[end] == (Xxh32(frame[4:end]).h >> 8) & 0xFF


def v2_batch(codec, transactional=False, pid=-1, epoch=-1, seq=-1):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=codec,
                                  is_transactional=transactional,
                                  producer_id=pid, producer_epoch=epoch,
                                  base_sequence=seq, batch_size=1 << 20)
    for i, (ts, key, value, headers) in enumerate(V2_RECORDS):
        assert b.append(i, timestamp=ts, key=key, value=value,
                        headers=headers) is not None
    return bytes(b.build())


def legacy_set(magic, codec):
    b = LegacyRecordBatchBuilder(magic=magic, compression_type=codec,
                                 batch_size=1 << 20)
    for i, (ts, key, value) in enumerate(LEGACY_RECORDS):
        assert b.append(i, timestamp=ts, key=key, value=value) is not None
    return bytes(b.build())


def self_check_v2(data, codec):
    batch = DefaultRecordBatch(data)
    assert batch.validate_crc()
    assert batch.compression_type == codec, 'kafka-python did not compress'
    got = [(r.timestamp, r.key, r.value, r.headers) for r in batch]
    assert got == [(t, k, v, h) for t, k, v, h in V2_RECORDS], got


def self_check_legacy(data, magic, codec):
    records = MemoryRecords(data)
    got = []
    while True:
        batch = records.next_batch()
        if batch is None:
            break
        assert batch.validate_crc()
        assert batch.compression_type == codec
        got += [(r.timestamp, r.key, r.value) for r in batch]
    exp = [(t if magic == 1 else None, k, v) for t, k, v in LEGACY_RECORDS]
    assert got == exp, got


def c_string(b):
    """A C literal for bytes (octal escapes, safe before any character)."""
    if b is None:
        return 'NULL'
    out = []
    for c in b:
        ch = chr(c)
        if 32 <= c < 127 and ch not in '\\"?':
            out.append(ch)
        else:
            out.append('\\%03o' % c)
    return '"' + ''.join(out) + '"'


def c_bytes(b):
    return '%s, %d' % (c_string(b), -1 if b is None else len(b))


def c_hex(data):
    h = data.hex()
    return '\n'.join('\t"%s"' % h[i:i + 64] for i in range(0, len(h), 64))


def emit_records(name, records):
    print('static const KpvRecord %s[] = {' % name)
    for ts, key, value, headers in records:
        hs = ', '.join('{%s, %s}' % (c_bytes(k.encode()), c_bytes(v))
                       for k, v in headers)
        if not headers:
            hs = '{NULL, 0, NULL, 0}'
        print('\t{INT64_C(%d), %s, %s, %d, {%s}},' % (ts, c_bytes(key), c_bytes(value),
                                            len(headers), hs))
    print('};\n')


def main():
    check_xxh32()
    kafka.codec.xxhash = Xxh32
    vectors = []
    for name, codec in CODECS.items():
        data = v2_batch(codec)
        self_check_v2(data, codec)
        vectors.append(('v2_' + name, 2, codec, data, 'kpv_v2_records', 0,
                        (-1, -1, -1)))
    producer = (123456789, 7, 42)
    data = v2_batch(0, True, *producer)
    self_check_v2(data, 0)
    vectors.append(('v2_transactional', 2, 0, data, 'kpv_v2_records', 0x10,
                    producer))
    for magic in (0, 1):
        for name, codec in CODECS.items():
            if codec == 4:
                continue        # zstd needs magic 2
            data = legacy_set(magic, codec)
            self_check_legacy(data, magic, codec)
            vectors.append(('v%d_%s' % (magic, name), magic, codec, data,
                            'kpv_v%d_records' % magic, 0, (-1, -1, -1)))

    print('/* Generated by test/unit/crosscheck_records.py from kafka-python '
          '2.0.2; do not edit.\n'
          ' * Regenerate: /usr/bin/python3 test/unit/crosscheck_records.py '
          '> test/unit/record_vectors.h */')
    print('#ifndef KAFKAPG_TEST_RECORD_VECTORS_H')
    print('#define KAFKAPG_TEST_RECORD_VECTORS_H\n')
    print('#include <stdint.h>\n')
    print('typedef struct KpvHeader\n{\n\tconst char *key;\n\tint32_t\t\tkey_len;'
          '\n\tconst char *value;\n\tint32_t\t\tvalue_len;\n} KpvHeader;\n')
    print('typedef struct KpvRecord\n{\n\tint64_t\t\ttimestamp;\n'
          '\tconst char *key;\n\tint32_t\t\tkey_len;\t\t/* -1 = null */\n'
          '\tconst char *value;\n\tint32_t\t\tvalue_len;\t/* -1 = null */\n'
          '\tint\t\t\tnheaders;\n\tKpvHeader\theaders[2];\n} KpvRecord;\n')
    print('typedef struct KpvVector\n{\n\tconst char *name;\n\tint\t\t\tmagic;\n'
          '\tint\t\t\tcodec;\n\tint16_t\t\tflags;\t\t/* extra batch attributes */\n'
          '\tint64_t\t\tproducer_id;\n\tint16_t\t\tproducer_epoch;\n'
          '\tint32_t\t\tbase_sequence;\n'
          '\tconst KpvRecord *records;\n\tint\t\t\tnrecords;\n'
          '\tconst char *hex;\n} KpvVector;\n')
    emit_records('kpv_v2_records', V2_RECORDS)
    for magic in (0, 1):
        emit_records('kpv_v%d_records' % magic,
                     [(t if magic == 1 else -1, k, v, [])
                      for t, k, v in LEGACY_RECORDS])
    print('static const KpvVector kpv_vectors[] = {')
    for name, magic, codec, data, records, flags, producer in vectors:
        count = len(V2_RECORDS) if magic == 2 else len(LEGACY_RECORDS)
        print('\t{"%s", %d, %d, 0x%02x, %d, %d, %d, %s, %d,' % (
            (name, magic, codec, flags) + producer + (records, count)))
        print(c_hex(data) + '},')
    print('};\n')
    print('#define KPV_NVECTORS ((int) (sizeof(kpv_vectors) / '
          'sizeof(kpv_vectors[0])))\n')
    print('#endif\t\t\t\t\t\t\t/* KAFKAPG_TEST_RECORD_VECTORS_H */')
    return 0


if __name__ == '__main__':
    sys.exit(main())
