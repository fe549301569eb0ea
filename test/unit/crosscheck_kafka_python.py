#!/usr/bin/python3
# ---------------------------------------------------------------------------
#
# crosscheck_kafka_python.py
#     Cross-checks the hand-written NON-flexible byte vectors of
#     test_metadata.c and test_api_versions.c against kafka-python 2.0.2,
#     an encoder independent of ours (it knows Metadata v0-v5 and
#     ApiVersions v0-v2; flexible versions cannot be checked this way).
#
# The vectors are read straight from the C sources (named string constants,
# comments and white space stripped), so the C files stay the only copy.
# Not part of the C unit test binary; run by hand:
#
#     /usr/bin/python3 test/unit/crosscheck_kafka_python.py
#
# Exits 0 if every vector matches.
#
# ---------------------------------------------------------------------------
import os
import re
import sys

from kafka.protocol import admin, metadata

HERE = os.path.dirname(os.path.abspath(__file__))


def c_vectors(filename):
    """Returns {NAME: bytes} for every 'static const char NAME[] = ...;'."""
    src = open(os.path.join(HERE, filename)).read()
    src = re.sub(r'/\*.*?\*/', '', src, flags=re.S)
    out = {}
    for m in re.finditer(r'static const char (\w+)\[\]\s*=\s*(.*?);', src, re.S):
        literal = ''.join(re.findall(r'"([^"]*)"', m.group(2)))
        out[m.group(1)] = bytes.fromhex(literal.replace(' ', ''))
    return out


# Canonical Metadata response values (see test_metadata.c)
BROKERS_V0 = [(1, 'a', 9092), (2, 'b', 9093)]
BROKERS_V1 = [(1, 'a', 9092, 'r'), (2, 'b', 9093, None)]
PART_V0 = [(9, 0, 1, [1, 2], [1])]
PART_V5 = [(9, 0, 1, [1, 2], [1], [2])]


def metadata_cases():
    req, resp = metadata, metadata
    yield 'MD_REQ_V0', req.MetadataRequest_v0(topics=['t'])
    yield 'MD_REQ_V1', req.MetadataRequest_v1(topics=['t'])
    yield 'MD_REQ_V2', req.MetadataRequest_v2(topics=['t'])
    yield 'MD_REQ_V3', req.MetadataRequest_v3(topics=['t'])
    yield 'MD_REQ_V4', req.MetadataRequest_v4(topics=['t'],
                                              allow_auto_topic_creation=False)
    yield 'MD_REQ_V5', req.MetadataRequest_v5(topics=['t'],
                                              allow_auto_topic_creation=False)
    yield 'MD_REQ_V0_EMPTY', req.MetadataRequest_v0(topics=[])
    yield 'MD_REQ_V1_NULL', req.MetadataRequest_v1(topics=None)
    yield 'MD_REQ_V1_EMPTY', req.MetadataRequest_v1(topics=[])
    yield 'MD_REQ_V4_NULL', req.MetadataRequest_v4(topics=None,
                                                   allow_auto_topic_creation=True)
    yield 'MD_RESP_V0', resp.MetadataResponse_v0(
        brokers=BROKERS_V0, topics=[(0, 't', PART_V0)])
    yield 'MD_RESP_V1', resp.MetadataResponse_v1(
        brokers=BROKERS_V1, controller_id=1, topics=[(0, 't', True, PART_V0)])
    yield 'MD_RESP_V2', resp.MetadataResponse_v2(
        brokers=BROKERS_V1, cluster_id='c', controller_id=1,
        topics=[(0, 't', True, PART_V0)])
    for v in (3, 4):
        cls = getattr(resp, 'MetadataResponse_v%d' % v)
        yield 'MD_RESP_V%d' % v, cls(
            throttle_time_ms=7, brokers=BROKERS_V1, cluster_id='c',
            controller_id=1, topics=[(0, 't', True, PART_V0)])
    yield 'MD_RESP_V5', resp.MetadataResponse_v5(
        throttle_time_ms=7, brokers=BROKERS_V1, cluster_id='c',
        controller_id=1, topics=[(0, 't', True, PART_V5)])
    yield 'MD_RESP_V2_NULL_CLUSTER', resp.MetadataResponse_v2(
        brokers=[], cluster_id=None, controller_id=-1, topics=[])


def api_versions_cases():
    keys = [(3, 0, 12), (18, 0, 3)]
    yield 'AV_REQ_V0', admin.ApiVersionRequest_v0()
    yield 'AV_REQ_V1', admin.ApiVersionRequest_v1()
    yield 'AV_REQ_V2', admin.ApiVersionRequest_v2()
    yield 'AV_RESP_V0', admin.ApiVersionResponse_v0(error_code=0, api_versions=keys)
    yield 'AV_RESP_V1', admin.ApiVersionResponse_v1(
        error_code=0, api_versions=keys, throttle_time_ms=5)
    yield 'AV_RESP_V2', admin.ApiVersionResponse_v2(
        error_code=0, api_versions=keys, throttle_time_ms=5)
    yield 'AV_RESP_V0_ERROR', admin.ApiVersionResponse_v0(
        error_code=35, api_versions=[])


def check(filename, cases):
    vectors = c_vectors(filename)
    bad = 0
    for name, msg in cases:
        ours = vectors[name]
        theirs = msg.encode()
        ok = ours == theirs
        bad += not ok
        print('%-4s %-26s %d bytes' % ('ok' if ok else 'DIFF', name, len(ours)))
        if not ok:
            print('     ours:   %s\n     theirs: %s' % (ours.hex(), theirs.hex()))
    return bad


def main():
    bad = check('test_metadata.c', metadata_cases())
    bad += check('test_api_versions.c', api_versions_cases())
    print('%d mismatches' % bad)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
