#!/usr/bin/python3
# ---------------------------------------------------------------------------
#
# crosscheck_kafka_python.py
#     Cross-checks the hand-written NON-flexible byte vectors of the codec
#     unit tests against kafka-python 2.0.2, an encoder independent of ours.
#     What kafka-python knows, and so what is checked:
#       test_metadata.c       Metadata v0-v5
#       test_api_versions.c   ApiVersions v0-v2
#       test_produce.c        Produce requests v0-v8, responses v0-v7 (its
#                             ProduceResponse_v8 lacks record_errors and
#                             error_message)
#       test_fetch.c          Fetch v0-v11
#       test_list_offsets.c   ListOffsets requests v0-v3 (its
#                             OffsetRequest_v4/v5 encode current_leader_epoch
#                             as int64, a kafka-python bug), responses v0-v5
#       test_topics_admin.c   CreateTopics and DeleteTopics v0-v3 (it has no
#                             DescribeCluster)
#       test_join_group.c     JoinGroup v0-v2, SyncGroup v0-v1
#       test_group_membership.c  FindCoordinator requests v0-v1, response v0
#                             (its GroupCoordinatorResponse_v1 lacks
#                             throttle_time_ms, a kafka-python bug),
#                             Heartbeat and LeaveGroup v0-v1
#       test_group_admin.c    DescribeGroups requests v0-v3, responses v0-v2
#                             (a misplaced parenthesis drops
#                             authorized_operations from its
#                             DescribeGroupsResponse_v3), ListGroups v0-v2,
#                             DeleteGroups v0-v1
#       test_group_offsets.c  OffsetCommit and OffsetFetch v0-v3 (it has no
#                             OffsetDelete)
#     test_offset_for_leader_epoch.c is not checked: kafka-python 2.0.2 has
#     no OffsetForLeaderEpoch classes.
#     Flexible versions cannot be checked this way.
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

from kafka.protocol import (admin, commit, fetch, group, metadata, offset,
                             produce, types)

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


# Canonical values of test_produce.c
REC = bytes.fromhex('aabbcc')


def produce_cases():
    topics = [('t', [(0, REC)])]
    for v in range(0, 9):
        cls = getattr(produce, 'ProduceRequest_v%d' % v)
        if v < 3:
            msg = cls(required_acks=-1, timeout=1000, topics=topics)
        else:
            msg = cls(transactional_id='x', required_acks=-1, timeout=1000,
                      topics=topics)
        yield 'PR_REQ_V%d' % v, msg
    yield 'PR_REQ_V3_NULLS', produce.ProduceRequest_v3(
        transactional_id=None, required_acks=1, timeout=30000,
        topics=[('t', [(0, None)])])
    # partition: index, error_code, base_offset, [log_append_time_ms],
    # [log_start_offset]
    for v in range(0, 8):
        part = (0, 0, 5) + ((100,) if v >= 2 else ()) + ((2,) if v >= 5 else ())
        cls = getattr(produce, 'ProduceResponse_v%d' % v)
        if v == 0:
            msg = cls(topics=[('t', [part])])
        else:
            msg = cls(topics=[('t', [part])], throttle_time_ms=7)
        yield 'PR_RESP_V%d' % v, msg


# Canonical values of test_fetch.c
def fetch_request(v):
    part = (0,) + ((4,) if v >= 9 else ()) + (5,) + \
        ((7,) if v >= 5 else ()) + (0x10000,)
    args = [-1, 500, 1]
    if v >= 3:
        args.append(0x100000)
    if v >= 4:
        args.append(1)
    if v >= 7:
        args += [2, 3]
    args.append([('t', [part])])
    if v >= 7:
        args.append([('f', [1, 2])])
    if v >= 11:
        args.append('r')
    return getattr(fetch, 'FetchRequest_v%d' % v)(*args)


def fix_string_classes(schema):
    """kafka-python declares the forgotten topic name of FetchRequest_v7+
    with the String class instead of an instance, which cannot encode (a
    kafka-python bug); replace it by String('utf-8') as everywhere else."""
    fields = []
    for f in schema.fields:
        if f is types.String:
            f = types.String('utf-8')
        elif isinstance(f, types.Array) and f.array_of is types.String:
            f.array_of = types.String('utf-8')
        elif isinstance(f, types.Array) and isinstance(f.array_of, types.Schema):
            fix_string_classes(f.array_of)
        elif isinstance(f, types.Schema):
            fix_string_classes(f)
        fields.append(f)
    schema.fields = tuple(fields)


def fetch_partition(v, records=REC, aborted=((4, 7),)):
    part = (0, 0, 10)
    if v >= 4:
        part += (8,)
    if v >= 5:
        part += (1,)
    if v >= 4:
        part += (None if aborted is None else list(aborted),)
    if v >= 11:
        part += (1,)
    return part + (records,)


def fetch_response(v, part, throttle=7, session=11):
    args = []
    if v >= 1:
        args.append(throttle)
    if v >= 7:
        args += [0, session]
    args.append([('t', [part])])
    return getattr(fetch, 'FetchResponse_v%d' % v)(*args)


def fetch_cases():
    for v in range(0, 12):
        fix_string_classes(getattr(fetch, 'FetchRequest_v%d' % v).SCHEMA)
        yield 'FE_REQ_V%d' % v, fetch_request(v)
        yield 'FE_RESP_V%d' % v, fetch_response(v, fetch_partition(v))
    yield 'FE_RESP_V4_NULLS', fetch_response(
        4, fetch_partition(4, records=None, aborted=None), throttle=0)
    yield 'FE_RESP_V4_EMPTY', fetch_response(
        4, fetch_partition(4, records=b'', aborted=()), throttle=0)
    yield 'FE_RESP_V7_ERROR', fetch.FetchResponse_v7(0, 70, 0, [])


# Canonical values of test_list_offsets.c
def list_offsets_cases():
    yield 'LO_REQ_V0', offset.OffsetRequest_v0(-1, [('t', [(0, -1, 2)])])
    yield 'LO_REQ_V1', offset.OffsetRequest_v1(-1, [('t', [(0, -1)])])
    for v in (2, 3):
        cls = getattr(offset, 'OffsetRequest_v%d' % v)
        yield 'LO_REQ_V%d' % v, cls(-1, 1, [('t', [(0, -1)])])
    yield 'LO_RESP_V0', offset.OffsetResponse_v0([('t', [(0, 0, [5, 0])])])
    yield 'LO_RESP_V0_EMPTY', offset.OffsetResponse_v0([('t', [(0, 3, [])])])
    yield 'LO_RESP_V1', offset.OffsetResponse_v1([('t', [(0, 0, 100, 5)])])
    for v in (2, 3):
        cls = getattr(offset, 'OffsetResponse_v%d' % v)
        yield 'LO_RESP_V%d' % v, cls(7, [('t', [(0, 0, 100, 5)])])
    for v in (4, 5):
        cls = getattr(offset, 'OffsetResponse_v%d' % v)
        yield 'LO_RESP_V%d' % v, cls(7, [('t', [(0, 0, 100, 5, 4)])])
    yield 'LO_RESP_V5_ERROR', offset.OffsetResponse_v5(
        0, [('t', [(0, 78, -1, -1, -1)])])


# Canonical values of test_topics_admin.c
def topics_admin_cases():
    topic = ('t', -1, -1, [(0, [1])], [('k', 'v'), ('n', None)])
    yield 'CT_REQ_V0', admin.CreateTopicsRequest_v0([topic], 1000)
    for v in (1, 2, 3):
        cls = getattr(admin, 'CreateTopicsRequest_v%d' % v)
        yield 'CT_REQ_V%d' % v, cls([topic], 1000, True)
    yield 'CT_RESP_V0', admin.CreateTopicsResponse_v0([('t', 0)])
    yield 'CT_RESP_V1', admin.CreateTopicsResponse_v1([('t', 0, 'm')])
    yield 'CT_RESP_V1_NULL_MESSAGE', admin.CreateTopicsResponse_v1(
        [('t', 36, None)])
    for v in (2, 3):
        cls = getattr(admin, 'CreateTopicsResponse_v%d' % v)
        yield 'CT_RESP_V%d' % v, cls(7, [('t', 0, 'm')])
    for v in (0, 1, 2, 3):
        cls = getattr(admin, 'DeleteTopicsRequest_v%d' % v)
        yield 'DT_REQ_V%d' % v, cls(['t', 'u'], 1000)
    yield 'DT_RESP_V0', admin.DeleteTopicsResponse_v0([('t', 0), ('u', 73)])
    for v in (1, 2, 3):
        cls = getattr(admin, 'DeleteTopicsResponse_v%d' % v)
        yield 'DT_RESP_V%d' % v, cls(7, [('t', 0), ('u', 73)])


# Canonical values of test_join_group.c
META = bytes.fromhex('010203')
ASSIGN = bytes.fromhex('0a0b')


def join_group_cases():
    protocols = [('a', META), ('b', b'')]
    yield 'JG_REQ_V0', group.JoinGroupRequest_v0(
        'g', 10000, 'm', 'consumer', protocols)
    for v in (1, 2):
        cls = getattr(group, 'JoinGroupRequest_v%d' % v)
        yield 'JG_REQ_V%d' % v, cls('g', 10000, 30000, 'm', 'consumer',
                                    protocols)
    members = [('l', META), ('m', b'')]
    for v in (0, 1):
        cls = getattr(group, 'JoinGroupResponse_v%d' % v)
        yield 'JG_RESP_V%d' % v, cls(0, 3, 'range', 'l', 'm', members)
    yield 'JG_RESP_V2', group.JoinGroupResponse_v2(
        7, 0, 3, 'range', 'l', 'm', members)
    for v in (0, 1):
        cls = getattr(group, 'SyncGroupRequest_v%d' % v)
        yield 'SG_REQ_V%d' % v, cls('g', 3, 'm', [('l', ASSIGN), ('m', b'')])
    yield 'SG_RESP_V0', group.SyncGroupResponse_v0(0, ASSIGN)
    yield 'SG_RESP_V1', group.SyncGroupResponse_v1(7, 0, ASSIGN)


# Canonical values of test_group_membership.c
def group_membership_cases():
    yield 'FC_REQ_V0', commit.GroupCoordinatorRequest_v0('g')
    yield 'FC_REQ_V1', commit.GroupCoordinatorRequest_v1('g', 1)
    yield 'FC_RESP_V0', commit.GroupCoordinatorResponse_v0(0, 1, 'h', 9092)
    for v in (0, 1):
        cls = getattr(group, 'HeartbeatRequest_v%d' % v)
        yield 'HB_REQ_V%d' % v, cls('g', 3, 'm')
        cls = getattr(group, 'LeaveGroupRequest_v%d' % v)
        yield 'LG_REQ_V%d' % v, cls('g', 'm')
    yield 'HB_RESP_V0', group.HeartbeatResponse_v0(27)
    yield 'HB_RESP_V1', group.HeartbeatResponse_v1(7, 27)
    yield 'LG_RESP_V0', group.LeaveGroupResponse_v0(0)
    yield 'LG_RESP_V1', group.LeaveGroupResponse_v1(7, 0)


# Canonical values of test_group_admin.c
DESCRIBED_GROUPS = [
    (0, 'g', 'Stable', 'consumer', 'range',
     [('m', 'c', 'h', META, ASSIGN), ('n', 'c', 'h', b'', b'')]),
    (69, 'x', 'Dead', '', '', [])]


def group_admin_cases():
    for v in (0, 1, 2):
        cls = getattr(admin, 'DescribeGroupsRequest_v%d' % v)
        yield 'DESCG_REQ_V%d' % v, cls(['g', 'x'])
    yield 'DESCG_REQ_V3', admin.DescribeGroupsRequest_v3(['g', 'x'], True)
    yield 'DESCG_RESP_V0', admin.DescribeGroupsResponse_v0(DESCRIBED_GROUPS)
    for v in (1, 2):
        cls = getattr(admin, 'DescribeGroupsResponse_v%d' % v)
        yield 'DESCG_RESP_V%d' % v, cls(7, DESCRIBED_GROUPS)
    listed = [('g', 'consumer'), ('h', '')]
    for v in (0, 1, 2):
        cls = getattr(admin, 'ListGroupsRequest_v%d' % v)
        yield 'LISTG_REQ_V%d' % v, cls()
    yield 'LISTG_RESP_V0', admin.ListGroupsResponse_v0(0, listed)
    for v in (1, 2):
        cls = getattr(admin, 'ListGroupsResponse_v%d' % v)
        yield 'LISTG_RESP_V%d' % v, cls(7, 0, listed)
    for v in (0, 1):
        cls = getattr(admin, 'DeleteGroupsRequest_v%d' % v)
        yield 'DELG_REQ_V%d' % v, cls(['g', 'x'])
        cls = getattr(admin, 'DeleteGroupsResponse_v%d' % v)
        yield 'DELG_RESP_V%d' % v, cls(7, [('g', 0), ('x', 69)])


# Canonical values of test_group_offsets.c
def group_offsets_cases():
    parts = [(0, 100, 'x'), (1, 200, None)]
    yield 'OC_REQ_V0', commit.OffsetCommitRequest_v0('g', [('t', parts)])
    yield 'OC_REQ_V1', commit.OffsetCommitRequest_v1(
        'g', 3, 'm', [('t', [(0, 100, 1000, 'x'), (1, 200, -1, None)])])
    for v in (2, 3):
        cls = getattr(commit, 'OffsetCommitRequest_v%d' % v)
        yield 'OC_REQ_V%d' % v, cls('g', 3, 'm', 86400000, [('t', parts)])
    results = [('t', [(0, 0), (1, 22)])]
    for v in (0, 1, 2):
        cls = getattr(commit, 'OffsetCommitResponse_v%d' % v)
        yield 'OC_RESP_V%d' % v, cls(results)
    yield 'OC_RESP_V3', commit.OffsetCommitResponse_v3(7, results)
    for v in (0, 1, 2, 3):
        cls = getattr(commit, 'OffsetFetchRequest_v%d' % v)
        yield 'OF_REQ_V%d' % v, cls('g', [('t', [0, 1])])
    yield 'OF_REQ_V2_ALL', commit.OffsetFetchRequest_v2('g', None)
    fetched = [('t', [(0, 100, 'x', 0), (1, -1, None, 88)])]
    for v in (0, 1):
        cls = getattr(commit, 'OffsetFetchResponse_v%d' % v)
        yield 'OF_RESP_V%d' % v, cls(fetched)
    yield 'OF_RESP_V2', commit.OffsetFetchResponse_v2(fetched, 0)
    yield 'OF_RESP_V3', commit.OffsetFetchResponse_v3(7, fetched, 0)


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
    bad += check('test_produce.c', produce_cases())
    bad += check('test_fetch.c', fetch_cases())
    bad += check('test_list_offsets.c', list_offsets_cases())
    bad += check('test_topics_admin.c', topics_admin_cases())
    bad += check('test_join_group.c', join_group_cases())
    bad += check('test_group_membership.c', group_membership_cases())
    bad += check('test_group_admin.c', group_admin_cases())
    bad += check('test_group_offsets.c', group_offsets_cases())
    print('%d mismatches' % bad)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
