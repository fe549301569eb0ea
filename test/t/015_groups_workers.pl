# Groups with kafkapg.workers = 2: the members' connections spread over both
# workers (SO_REUSEPORT), yet they form one group, since the coordinator's
# state is in shared memory and a parked JoinGroup or SyncGroup is woken by
# whichever worker completes its barrier.  A member killed with SIGKILL is
# removed after its session timeout and its partitions go to the others.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $client = "$ENV{KP_SCRIPTS}/kp_group_client.py";
my $node = kp_new_node('groups_workers', conf => [
	'kafkapg.workers = 2',
	'kafkapg.group_initial_rebalance_delay_ms = 100',
	'kafkapg.group_min_session_timeout_ms = 1000' ]);
my $bs = "127.0.0.1:$node->{kafka_port}";
$node->safe_psql('postgres', q{SELECT kafkapg.create_topic('wt', 8)});

$ENV{KP_SESSION_MS} = 3000;
my @members;
for my $i (1 .. 4)
{
	my ($in, $out, $err) = ('', '', '');
	push @members, IPC::Run::start(
		[ '/usr/bin/python3', $client, 'member', $bs, 'g-workers', 'wt', '90' ],
		'<', \$in, '>', \$out, '2>', \$err);
}

my $covered = q{
	SELECT count(*) || ' ' || (SELECT sum(jsonb_array_length(assignment -> 'wt'))
	                          FROM kafkapg.group_members WHERE group_id = 'g-workers')
	FROM kafkapg.group_members WHERE group_id = 'g-workers'};
ok($node->poll_query_until('postgres', qq{
	SELECT state = 'Stable' AND members = 4 FROM kafkapg.consumer_groups
	WHERE group_id = 'g-workers'}), 'four members form a Stable group');
is($node->safe_psql('postgres', $covered), '4 8', 'the 8 partitions are spread over the 4 members');
is($node->safe_psql('postgres', q{
	SELECT string_agg(DISTINCT jsonb_array_length(assignment -> 'wt')::text, ',')
	FROM kafkapg.group_members WHERE group_id = 'g-workers'}), '2', 'two partitions each');
is($node->safe_psql('postgres',
	'SELECT count(*) FROM kafkapg.broker_workers WHERE connections > 0'),
	2, 'the members\' connections are on both workers');

# a member dies without leaving: it is expired after its session timeout
$members[0]->signal('KILL');
$members[0]->finish;
ok($node->poll_query_until('postgres', qq{
	SELECT state = 'Stable' AND members = 3 FROM kafkapg.consumer_groups
	WHERE group_id = 'g-workers'}), 'the killed member is removed, the group is Stable again');
is($node->safe_psql('postgres', $covered), '3 8', 'its partitions went to the three others');
ok($node->log_contains('removed: no heartbeat within its session timeout \(3000 ms\)'),
	'the expiry is logged with the session timeout');

$_->kill_kill for @members[1 .. 3];
$_->finish for @members[1 .. 3];
$node->stop;
done_testing();
