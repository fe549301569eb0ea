/*
 * test_rdkafka_groups_admin.c
 *	  librdkafka 2.0.2's consumer group admin API against kafkapg's group
 *	  coordinator (the Python binding installed, confluent-kafka 1.7.0, has
 *	  none of these calls).
 *
 * With a topic of 3 partitions and 30 records, group A with one live
 * member (it read the 30 and committed 10 per partition) and group B made
 * only of offsets (AlterConsumerGroupOffsets on a group that does not
 * exist), proves that:
 *   - AlterConsumerGroupOffsets of a new group stores the offsets
 *     (kafkapg.consumer_offsets);
 *   - ListConsumerGroups (ListGroups) gives A Stable, not simple, and B
 *     Empty, simple (no protocol type); with a states filter (ListGroups
 *     v4) only the groups in those states;
 *   - DescribeConsumerGroups gives A Stable, assignor "range", coordinator
 *     1, its one member with client id and the 3 partitions; B Empty, no
 *     members; an unknown group Dead;
 *   - ListConsumerGroupOffsets (require_stable) gives 10 per partition;
 *   - on A while its member lives: AlterConsumerGroupOffsets fails per
 *     partition with UNKNOWN_MEMBER_ID, DeleteConsumerGroupOffsets
 *     (OffsetDelete) with GROUP_SUBSCRIBED_TO_TOPIC, DeleteGroups with
 *     NON_EMPTY_GROUP, and no offset changes;
 *   - once the member closed (LeaveGroup), A is Empty: AlterConsumerGroup-
 *     Offsets sets partition 0 to 5 (SQL and consumer_lag agree),
 *     DeleteConsumerGroupOffsets removes partition 1 (gone from SQL, listed
 *     without an offset);
 *   - DeleteConsumerGroupOffsets of an unknown group gives GROUP_ID_NOT_FOUND;
 *   - DeleteGroups of A, B and an unknown group: A and B deleted (no
 *     longer listed, no offsets in SQL), the unknown one GROUP_ID_NOT_FOUND.
 *
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exits 1 on failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "kptest.h"

#define TIMEOUT_MS	15000
#define NPART		3
#define CLIENT_ID	"kp-rdkafka-groups-consumer"

static char topic[64];
static char group_a[64];
static char group_b[64];
static char group_x[64];		/* never exists */

/* First line of what one SQL statement prints (psql -XAt). */
static void
sql(char *out, size_t size, const char *fmt,...)
{
	char		query[1024];
	char		cmd[1200];
	va_list		ap;
	FILE	   *f;

	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "psql -XAtc \"%s\"", query);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int) size, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	pclose(f);
}

static rd_kafka_topic_partition_list_t *
partitions(int n, const int *ids, const int64_t *offsets)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);

	for (int i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, topic, ids[i])->offset = offsets ? offsets[i] : 0;
	return l;
}

/*
 * "p:offset" (with_offsets) or "p:ERROR_NAME" items of a partition list,
 * sorted by partition, space separated.
 */
static void
format_partitions(const rd_kafka_topic_partition_list_t *l, int with_offsets,
				  char *out, size_t size)
{
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(l);
	size_t		len = 0;

	out[0] = '\0';
	rd_kafka_topic_partition_list_sort(c, NULL, NULL);
	for (int i = 0; i < c->cnt && len < size; i++)
	{
		rd_kafka_topic_partition_t *p = &c->elems[i];

		if (with_offsets && !p->err)
			len += snprintf(out + len, size - len, "%s%d:%lld", i ? " " : "", p->partition,
							(long long) p->offset);
		else
			len += snprintf(out + len, size - len, "%s%d:%s", i ? " " : "", p->partition,
							rd_kafka_err2name(p->err));
	}
	rd_kafka_topic_partition_list_destroy(c);
}

static rd_kafka_event_t *
wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type)
{
	rd_kafka_event_t *ev;

	while ((ev = rd_kafka_queue_poll(q, TIMEOUT_MS)) != NULL)
	{
		if (rd_kafka_event_type(ev) == type)
			return ev;
		rd_kafka_event_destroy(ev);
	}
	return NULL;
}

typedef enum
{
	OP_LIST,
	OP_ALTER,
	OP_DELETE
} OffsetsOp;

/*
 * Runs ListConsumerGroupOffsets, AlterConsumerGroupOffsets or
 * DeleteConsumerGroupOffsets on one group; out gets the group's error name,
 * "|", then its partitions (offsets for OP_LIST).  Returns the group error.
 */
static rd_kafka_resp_err_t
offsets_call(rd_kafka_t *rk, rd_kafka_queue_t *q, OffsetsOp op, const char *group,
			 rd_kafka_topic_partition_list_t *parts, char *out, size_t size)
{
	static const rd_kafka_admin_op_t ops[] = {RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
		RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS};
	static const rd_kafka_event_type_t types[] = {RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
		RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT};
	rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, ops[op]);
	const rd_kafka_group_result_t **res = NULL;
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t err;
	size_t		n = 0;
	char		list[512];

	if (op == OP_LIST)
	{
		rd_kafka_ListConsumerGroupOffsets_t *r = rd_kafka_ListConsumerGroupOffsets_new(group, parts);

		rd_kafka_error_destroy(rd_kafka_AdminOptions_set_require_stable_offsets(opts, 1));
		rd_kafka_ListConsumerGroupOffsets(rk, &r, 1, opts, q);
		rd_kafka_ListConsumerGroupOffsets_destroy(r);
	}
	else if (op == OP_ALTER)
	{
		rd_kafka_AlterConsumerGroupOffsets_t *r = rd_kafka_AlterConsumerGroupOffsets_new(group, parts);

		rd_kafka_AlterConsumerGroupOffsets(rk, &r, 1, opts, q);
		rd_kafka_AlterConsumerGroupOffsets_destroy(r);
	}
	else
	{
		rd_kafka_DeleteConsumerGroupOffsets_t *r = rd_kafka_DeleteConsumerGroupOffsets_new(group, parts);

		rd_kafka_DeleteConsumerGroupOffsets(rk, &r, 1, opts, q);
		rd_kafka_DeleteConsumerGroupOffsets_destroy(r);
	}
	rd_kafka_AdminOptions_destroy(opts);
	if (parts)
		rd_kafka_topic_partition_list_destroy(parts);

	if ((ev = wait_result(q, types[op])) == NULL)
	{
		snprintf(out, size, "no result event");
		return RD_KAFKA_RESP_ERR__TIMED_OUT;
	}
	if ((err = rd_kafka_event_error(ev)) != RD_KAFKA_RESP_ERR_NO_ERROR)
	{
		snprintf(out, size, "%s|%s", rd_kafka_err2name(err), rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		return err;
	}
	if (op == OP_LIST)
		res = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
	else if (op == OP_ALTER)
		res = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
	else
		res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
	if (n != 1)
	{
		snprintf(out, size, "%zu group results", n);
		rd_kafka_event_destroy(ev);
		return RD_KAFKA_RESP_ERR__FAIL;
	}
	err = rd_kafka_group_result_error(res[0])
		? rd_kafka_error_code(rd_kafka_group_result_error(res[0])) : RD_KAFKA_RESP_ERR_NO_ERROR;
	list[0] = '\0';
	if (rd_kafka_group_result_partitions(res[0]))
		format_partitions(rd_kafka_group_result_partitions(res[0]), op == OP_LIST, list, sizeof(list));
	snprintf(out, size, "%s|%s", rd_kafka_err2name(err), list);
	rd_kafka_event_destroy(ev);
	return err;
}

/*
 * ListConsumerGroups, optionally filtered by states; out gets
 * "A=<state>/<simple> B=<state>/<simple>" with "-" for a group not listed,
 * and any listing errors.
 */
static void
list_groups(rd_kafka_t *rk, rd_kafka_queue_t *q, const rd_kafka_consumer_group_state_t *states,
			size_t nstates, char *out, size_t size)
{
	rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
	const rd_kafka_ListConsumerGroups_result_t *res;
	const rd_kafka_ConsumerGroupListing_t **valid;
	rd_kafka_event_t *ev;
	size_t		n = 0,
				nerr = 0;
	char		a[64] = "-",
				b[64] = "-";

	if (nstates)
		rd_kafka_error_destroy(rd_kafka_AdminOptions_set_match_consumer_group_states(opts, states, nstates));
	rd_kafka_ListConsumerGroups(rk, opts, q);
	rd_kafka_AdminOptions_destroy(opts);
	if ((ev = wait_result(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT)) == NULL)
	{
		snprintf(out, size, "no result event");
		return;
	}
	res = rd_kafka_event_ListConsumerGroups_result(ev);
	valid = rd_kafka_ListConsumerGroups_result_valid(res, &n);
	rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
	for (size_t i = 0; i < n; i++)
	{
		const char *id = rd_kafka_ConsumerGroupListing_group_id(valid[i]);
		char	   *slot = strcmp(id, group_a) == 0 ? a : strcmp(id, group_b) == 0 ? b : NULL;

		if (slot)
			snprintf(slot, 64, "%s/%d",
					 rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
					 rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]));
	}
	snprintf(out, size, "A=%s B=%s errors=%zu", a, b, nerr);
	rd_kafka_event_destroy(ev);
}

/*
 * One group's description: "<error>|<state>|<assignor>|simple=<0/1>|
 * coordinator=<id>|members=<n>[|<client id>:<partitions>]".
 */
static void
describe_one(const rd_kafka_ConsumerGroupDescription_t *d, char *out, size_t size)
{
	const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d);
	const rd_kafka_Node_t *coord = rd_kafka_ConsumerGroupDescription_coordinator(d);
	size_t		members = rd_kafka_ConsumerGroupDescription_member_count(d);
	const char *assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d);
	size_t		len;

	len = snprintf(out, size, "%s|%s|%s|simple=%d|coordinator=%d|members=%zu",
				   e ? rd_kafka_error_name(e) : "NO_ERROR",
				   rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d)),
				   assignor ? assignor : "(null)",
				   rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d),
				   coord ? rd_kafka_Node_id(coord) : -1, members);
	for (size_t i = 0; i < members && len < size; i++)
	{
		const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
		const rd_kafka_MemberAssignment_t *a = rd_kafka_MemberDescription_assignment(m);
		char		parts[256] = "";

		if (a && rd_kafka_MemberAssignment_partitions(a))
			format_partitions(rd_kafka_MemberAssignment_partitions(a), 0, parts, sizeof(parts));
		len += snprintf(out + len, size - len, "|%s:%s", rd_kafka_MemberDescription_client_id(m),
						parts);
	}
}

/* DescribeConsumerGroups of A, B and X; descriptions in that order. */
static void
describe_groups(rd_kafka_t *rk, rd_kafka_queue_t *q, char out[3][512])
{
	const char *groups[] = {group_a, group_b, group_x};
	const rd_kafka_ConsumerGroupDescription_t **res;
	rd_kafka_event_t *ev;
	size_t		n = 0;

	for (int i = 0; i < 3; i++)
		snprintf(out[i], 512, "not described");
	rd_kafka_DescribeConsumerGroups(rk, groups, 3, NULL, q);
	if ((ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT)) == NULL)
		return;
	res = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			if (strcmp(rd_kafka_ConsumerGroupDescription_group_id(res[i]), groups[j]) == 0)
				describe_one(res[i], out[j], 512);
	rd_kafka_event_destroy(ev);
}

/* DeleteGroups of A, B and X; out gets "A:<err> B:<err> X:<err>". */
static void
delete_groups(rd_kafka_t *rk, rd_kafka_queue_t *q, int count, char *out, size_t size)
{
	const char *names[] = {group_a, group_b, group_x};
	rd_kafka_DeleteGroup_t *del[3];
	const rd_kafka_group_result_t **res;
	rd_kafka_event_t *ev;
	size_t		n = 0,
				len = 0;

	for (int i = 0; i < count; i++)
		del[i] = rd_kafka_DeleteGroup_new(names[i]);
	rd_kafka_DeleteGroups(rk, del, count, NULL, q);
	rd_kafka_DeleteGroup_destroy_array(del, count);
	out[0] = '\0';
	if ((ev = wait_result(q, RD_KAFKA_EVENT_DELETEGROUPS_RESULT)) == NULL)
	{
		snprintf(out, size, "no result event");
		return;
	}
	res = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
	for (int j = 0; j < count; j++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(rd_kafka_group_result_name(res[i]), names[j]) == 0 && len < size)
			{
				const rd_kafka_error_t *e = rd_kafka_group_result_error(res[i]);

				len += snprintf(out + len, size - len, "%s%c:%s", j ? " " : "", "ABX"[j],
								e ? rd_kafka_error_name(e) : "NO_ERROR");
			}
	rd_kafka_event_destroy(ev);
}

static void
produce(rd_kafka_t *rk)
{
	char		detail[128];

	for (int i = 0; i < 30; i++)
	{
		char		value[16];

		snprintf(value, sizeof(value), "r%d", i);
		rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % NPART),
						  RD_KAFKA_V_VALUE(value, strlen(value)),
						  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	}
	rd_kafka_flush(rk, TIMEOUT_MS);
	sql(detail, sizeof(detail), "SELECT sum(high_watermark) FROM kafkapg.partitions"
		" WHERE topic = '%s'", topic);
	ok(strcmp(detail, "30") == 0, "30 records produced, 10 per partition", detail);
}

/* The live member of group A: joins, reads the 30 records, commits. */
static rd_kafka_t *
start_member(const char *bootstrap)
{
	rd_kafka_conf_t *conf = base_conf(bootstrap);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_t *assigned = NULL;
	char		errstr[256];
	char		detail[256];
	rd_kafka_t *rk;
	int			got = 0;
	rd_kafka_resp_err_t err;
	time_t		deadline = time(NULL) + 20;

	set(conf, "group.id", group_a);
	set(conf, "client.id", CLIENT_ID);
	set(conf, "session.timeout.ms", "6000");
	set(conf, "heartbeat.interval.ms", "300");
	set(conf, "auto.offset.reset", "earliest");
	set(conf, "enable.auto.commit", "false");
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr))) == NULL)
	{
		printf("not ok - consumer: %s\n", errstr);
		exit(1);
	}
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_subscribe(rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	while (got < 30 && time(NULL) < deadline)
	{
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

		if (m == NULL)
			continue;
		got += !m->err;
		rd_kafka_message_destroy(m);
	}
	rd_kafka_assignment(rk, &assigned);
	err = rd_kafka_commit(rk, NULL, 0);
	snprintf(detail, sizeof(detail), "read %d, assigned %d, commit %s", got,
			 assigned ? assigned->cnt : -1, rd_kafka_err2name(err));
	ok(got == 30 && assigned && assigned->cnt == NPART && err == RD_KAFKA_RESP_ERR_NO_ERROR,
	   "group A: the member owns the 3 partitions, reads the 30 records, commits", detail);
	if (assigned)
		rd_kafka_topic_partition_list_destroy(assigned);
	return rk;
}

static void
check_live(rd_kafka_t *rk, rd_kafka_queue_t *q)
{
	static const int all[] = {0, 1, 2};
	static const int64_t b_offsets[] = {7, 8};
	static const int64_t zero[] = {0, 0, 0};
	const rd_kafka_consumer_group_state_t stable[] = {RD_KAFKA_CONSUMER_GROUP_STATE_STABLE};
	const rd_kafka_consumer_group_state_t empty[] = {RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY};
	char		want[512];
	char		detail[512];
	char		desc[3][512];

	offsets_call(rk, q, OP_ALTER, group_b, partitions(2, all, b_offsets), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|0:NO_ERROR 1:NO_ERROR") == 0,
	   "AlterConsumerGroupOffsets of a new group B (offsets only): no error", detail);
	sql(detail, sizeof(detail), "SELECT string_agg(partition || ':' || committed_offset, ' '"
		" ORDER BY partition) FROM kafkapg.consumer_offsets WHERE group_id = '%s'", group_b);
	ok(strcmp(detail, "0:7 1:8") == 0, "... kafkapg.consumer_offsets holds B's 7 and 8", detail);

	list_groups(rk, q, NULL, 0, detail, sizeof(detail));
	ok(strcmp(detail, "A=Stable/0 B=Empty/1 errors=0") == 0,
	   "ListConsumerGroups: A Stable (consumer), B Empty (simple: no protocol type)", detail);
	list_groups(rk, q, stable, 1, detail, sizeof(detail));
	ok(strcmp(detail, "A=Stable/0 B=- errors=0") == 0,
	   "ListConsumerGroups filtered on Stable: A, not B", detail);
	list_groups(rk, q, empty, 1, detail, sizeof(detail));
	ok(strcmp(detail, "A=- B=Empty/1 errors=0") == 0,
	   "ListConsumerGroups filtered on Empty: B, not A", detail);

	describe_groups(rk, q, desc);
	snprintf(want, sizeof(want), "NO_ERROR|Stable|range|simple=0|coordinator=1|members=1|"
			 CLIENT_ID ":0:NO_ERROR 1:NO_ERROR 2:NO_ERROR");
	ok(strcmp(desc[0], want) == 0,
	   "DescribeConsumerGroups A: Stable, range, coordinator 1, its member with the 3 partitions",
	   desc[0]);
	ok(strncmp(desc[1], "NO_ERROR|Empty|", 15) == 0 && strstr(desc[1], "|members=0") != NULL,
	   "DescribeConsumerGroups B: Empty, no members", desc[1]);
	ok(strncmp(desc[2], "NO_ERROR|Dead|", 14) == 0 && strstr(desc[2], "|members=0") != NULL,
	   "DescribeConsumerGroups of an unknown group: Dead, no members", desc[2]);

	offsets_call(rk, q, OP_LIST, group_a, NULL, detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|0:10 1:10 2:10") == 0,
	   "ListConsumerGroupOffsets A (all partitions, require_stable): 10 each", detail);

	offsets_call(rk, q, OP_ALTER, group_a, partitions(3, all, zero), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|0:UNKNOWN_MEMBER_ID 1:UNKNOWN_MEMBER_ID 2:UNKNOWN_MEMBER_ID") == 0,
	   "AlterConsumerGroupOffsets on A with a live member: UNKNOWN_MEMBER_ID per partition",
	   detail);
	offsets_call(rk, q, OP_DELETE, group_a, partitions(1, all + 2, NULL), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|2:GROUP_SUBSCRIBED_TO_TOPIC") == 0,
	   "DeleteConsumerGroupOffsets on A, subscribed to the topic: GROUP_SUBSCRIBED_TO_TOPIC",
	   detail);
	delete_groups(rk, q, 1, detail, sizeof(detail));
	ok(strcmp(detail, "A:NON_EMPTY_GROUP") == 0, "DeleteGroups of A with a live member: NON_EMPTY_GROUP",
	   detail);
	sql(detail, sizeof(detail), "SELECT string_agg(partition || ':' || committed_offset, ' '"
		" ORDER BY partition) FROM kafkapg.consumer_offsets WHERE group_id = '%s'", group_a);
	ok(strcmp(detail, "0:10 1:10 2:10") == 0, "... and A's offsets are unchanged in SQL", detail);
}

static void
check_empty(rd_kafka_t *rk, rd_kafka_queue_t *q)
{
	static const int all[] = {0, 1, 2};
	static const int64_t five[] = {5};
	char		detail[512];
	char		desc[3][512];

	describe_groups(rk, q, desc);
	ok(strncmp(desc[0], "NO_ERROR|Empty|", 15) == 0 && strstr(desc[0], "|members=0") != NULL,
	   "after its member closed (LeaveGroup), DescribeConsumerGroups A: Empty, no members",
	   desc[0]);
	offsets_call(rk, q, OP_ALTER, group_a, partitions(1, all, five), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|0:NO_ERROR") == 0,
	   "AlterConsumerGroupOffsets on the Empty A: partition 0 to 5, no error", detail);
	sql(detail, sizeof(detail), "SELECT string_agg(partition || ':' || committed_offset || '/' ||"
		" lag, ' ' ORDER BY partition) FROM kafkapg.consumer_lag WHERE group_id = '%s'", group_a);
	ok(strcmp(detail, "0:5/5 1:10/0 2:10/0") == 0,
	   "kafkapg.consumer_lag: partition 0 at 5 with lag 5", detail);
	offsets_call(rk, q, OP_DELETE, group_a, partitions(1, all + 1, NULL), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|1:NO_ERROR") == 0,
	   "DeleteConsumerGroupOffsets (OffsetDelete) on the Empty A: partition 1 deleted", detail);
	sql(detail, sizeof(detail), "SELECT string_agg(partition::text, ' ' ORDER BY partition)"
		" FROM kafkapg.consumer_offsets WHERE group_id = '%s'", group_a);
	ok(strcmp(detail, "0 2") == 0, "... gone from kafkapg.consumer_offsets", detail);
	offsets_call(rk, q, OP_LIST, group_a, partitions(3, all, NULL), detail, sizeof(detail));
	ok(strcmp(detail, "NO_ERROR|0:5 1:-1001 2:10") == 0,
	   "ListConsumerGroupOffsets A: 5, none (INVALID) for partition 1, 10", detail);
	offsets_call(rk, q, OP_DELETE, group_x, partitions(1, all, NULL), detail, sizeof(detail));
	ok(strncmp(detail, "GROUP_ID_NOT_FOUND|", 19) == 0,
	   "DeleteConsumerGroupOffsets of an unknown group: GROUP_ID_NOT_FOUND", detail);

	delete_groups(rk, q, 3, detail, sizeof(detail));
	ok(strcmp(detail, "A:NO_ERROR B:NO_ERROR X:GROUP_ID_NOT_FOUND") == 0,
	   "DeleteGroups A, B, unknown: A and B deleted, the unknown GROUP_ID_NOT_FOUND", detail);
	list_groups(rk, q, NULL, 0, detail, sizeof(detail));
	ok(strcmp(detail, "A=- B=- errors=0") == 0, "ListConsumerGroups lists neither any more",
	   detail);
	sql(detail, sizeof(detail), "SELECT count(*) FROM kafkapg.consumer_offsets"
		" WHERE group_id IN ('%s', '%s')", group_a, group_b);
	ok(strcmp(detail, "0") == 0, "kafkapg.consumer_offsets has no offsets of A or B", detail);
}

int
main(void)
{
	const char *bootstrap = getenv("KP_BOOTSTRAP");
	char		errstr[256];
	char		detail[256];
	rd_kafka_t *admin;
	rd_kafka_t *member;
	rd_kafka_queue_t *q;
	unsigned	run;

	if (bootstrap == NULL)
	{
		printf("not ok - KP_BOOTSTRAP must be set\n");
		return 1;
	}
	srand((unsigned) time(NULL) ^ (unsigned) getpid());
	run = (unsigned) rand();
	snprintf(topic, sizeof(topic), "kp-groups-rdkafka-%08x", run);
	snprintf(group_a, sizeof(group_a), "kp-group-rdkafka-a-%08x", run);
	snprintf(group_b, sizeof(group_b), "kp-group-rdkafka-b-%08x", run);
	snprintf(group_x, sizeof(group_x), "kp-group-rdkafka-never-%08x", run);
	sql(detail, sizeof(detail), "SELECT kafkapg.create_topic('%s', %d) IS NOT NULL", topic, NPART);
	if (strcmp(detail, "t") != 0)
	{
		printf("not ok - kafkapg.create_topic failed -- %s\n", detail);
		return 1;
	}
	admin = rd_kafka_new(RD_KAFKA_PRODUCER, base_conf(bootstrap), errstr, sizeof(errstr));
	if (admin == NULL)
	{
		printf("not ok - admin handle: %s\n", errstr);
		return 1;
	}
	q = rd_kafka_queue_new(admin);
	produce(admin);
	member = start_member(bootstrap);
	check_live(admin, q);
	rd_kafka_consumer_close(member);
	rd_kafka_destroy(member);
	check_empty(admin, q);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(admin);
	return failures ? 1 : 0;
}
