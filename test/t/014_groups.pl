# Consumer groups survive: offsets a client saw acknowledged (OffsetCommit)
# are there after a clean restart and after kill -9 of the postmaster at any
# moment of a commit loop; a Stable group's generation, members and
# assignments are stored and loaded back, so its member carries on after a
# crash without a rebalance; offsets.retention.minutes removes the offsets
# of groups that stayed Empty, and of simple consumers, that long.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use KafkaPG::Node;

my $client = "$ENV{KP_SCRIPTS}/kp_group_client.py";
my $node = kp_new_node('groups', conf => [
	'kafkapg.group_initial_rebalance_delay_ms = 100',
	'kafkapg.group_min_session_timeout_ms = 1000',
	'kafkapg.offsets_retention_check_interval_ms = 500' ]);
my $bs = "127.0.0.1:$node->{kafka_port}";
$node->safe_psql('postgres', q{SELECT kafkapg.create_topic('gt', 3)});
for my $p (0 .. 2)
{
	is(kp_kcat_produce($node, 'gt', $p, [ map { "k$_:v$_" } 1 .. 40 ], batch => 10),
		0, "40 records produced to partition $p");
}

# Last acknowledged next-offset per partition from the client's "ack" lines.
sub acked
{
	my ($out) = @_;
	my %acked;
	for (split /\n/, $out)
	{
		$acked{$1} = $2 if /^ack (\d+) (\d+)$/;
	}
	return \%acked;
}

sub committed
{
	my ($group) = @_;
	my %c = map { split /\|/ } split /\n/, $node->safe_psql('postgres', qq{
		SELECT partition, committed_offset FROM kafkapg.consumer_offsets
		WHERE group_id = '$group' AND topic = 'gt'});
	return \%c;
}

# ---------------------------------------------------------------- clean restart
my $out = `/usr/bin/python3 $client consume $bs g-clean gt 30 2>&1`;
my $acked = acked($out);
is(scalar(keys %$acked) > 0 && eval { my $n = 0; $n += $_ for values %$acked; $n } > 0, 1,
	'the client saw its commits acknowledged') or diag($out);
is_deeply(committed('g-clean'), $acked, 'the catalog holds exactly the acknowledged offsets');
my $gen = $node->safe_psql('postgres',
	q{SELECT state || ' ' || generation FROM kafkapg.consumer_groups WHERE group_id = 'g-clean'});
like($gen, qr/^Empty [1-9]\d*$/, "the group is Empty after its member left ($gen)");
$node->restart;
ok(kp_wait_broker($node), 'broker back after a clean restart');
is_deeply(committed('g-clean'), $acked, 'the offsets survive a clean restart');
is($node->safe_psql('postgres',
	q{SELECT state || ' ' || generation FROM kafkapg.consumer_groups WHERE group_id = 'g-clean'}),
	$gen, 'the group is loaded back with its state and generation');

# the member reads on from there: nothing is read twice
$out = `/usr/bin/python3 $client consume $bs g-clean gt 90 2>&1`;
my $again = acked($out);
is_deeply($again, { 0 => 40, 1 => 40, 2 => 40 }, 'the rest is read, up to every log end')
  or diag($out);

# ---------------------------------------------------------------- kill -9
for my $round (1 .. 3)
{
	my ($in, $loop_out, $loop_err) = ('', '', '');
	my $h = IPC::Run::start([ '/usr/bin/python3', $client, 'commit-loop', $bs, "g-crash", 'gt' ],
		'<', \$in, '>', \$loop_out, '2>', \$loop_err);
	my $deadline = time + 60;
	while (time < $deadline)
	{
		$h->pump_nb;
		my $n = () = $loop_out =~ /^ack /mg;
		last if $n >= 5 * $round;
		usleep(50_000);
	}
	kp_kill9($node);
	$h->pump_nb;
	my $seen = acked($loop_out);
	$h->kill_kill;
	$h->finish;
	ok(kp_restart_after_kill9($node), "round $round: restarted after kill -9");
	ok(kp_wait_broker($node), "round $round: broker back");
	my $c = committed('g-crash');
	my @lost = grep { ($c->{$_} // -1) < $seen->{$_} } keys %$seen;
	ok(keys(%$seen) > 0 && !@lost,
		"round $round: every acknowledged commit survived the crash")
	  or diag(explain({ acked => $seen, stored => $c }));
	# produce more so the next round has records to commit
	kp_kcat_produce($node, 'gt', $_, [ map { "r$round:$_" } 1 .. 10 ], batch => 10) for 0 .. 2;
}

# ---------------------------------------------------------------- stable group stored
my ($min, $mout, $merr) = ('', '', '');
my $member = IPC::Run::start([ '/usr/bin/python3', $client, 'member', $bs, 'g-live', 'gt', '60' ],
	'<', \$min, '>', \$mout, '2>', \$merr);
ok($node->poll_query_until('postgres',
	q{SELECT state = 'Stable' AND members = 1 FROM kafkapg.consumer_groups WHERE group_id = 'g-live'}),
	'a live member makes the group Stable');
my $stable = $node->safe_psql('postgres',
	q{SELECT generation FROM kafkapg.consumer_groups WHERE group_id = 'g-live'});
is($node->safe_psql('postgres',
	q{SELECT assignment FROM kafkapg.group_members WHERE group_id = 'g-live'}),
	'{"gt": [0, 1, 2]}', 'group_members shows its assignment decoded');
like($node->safe_psql('postgres',
	q{SELECT count(*) || ' ' || min(generation) FROM kafkapg.consumer_group WHERE group_id = 'g-live'}),
	qr/^1 \d+$/, 'the Stable group is in the catalog');
kp_kill9($node);
ok(kp_restart_after_kill9($node), 'restarted after kill -9 with a live member');
ok(kp_wait_broker($node), 'broker back');
is($node->safe_psql('postgres',
	q{SELECT state || ' ' || generation || ' ' || members FROM kafkapg.consumer_groups WHERE group_id = 'g-live'}),
	"Stable $stable 1", 'the group is loaded back Stable, same generation, same member');
sleep 4;	# the member heartbeats on against the restarted broker
$member->pump_nb;
is($node->safe_psql('postgres',
	q{SELECT state || ' ' || generation FROM kafkapg.consumer_groups WHERE group_id = 'g-live'}),
	"Stable $stable", 'the member carried on: no rebalance after the crash');
my $assigns = () = $mout =~ /^assigned /mg;
is($assigns, 1, 'the member was assigned once only') or diag($mout);
my $refused = $node->psql('postgres', q{SELECT kafkapg.commit_offset('g-live', 'gt', 0, 1)},
	stderr => \my $stderr);
like($stderr, qr/consumer group "g-live" has active members/,
	'commit_offset refuses a group with live members');
$member->kill_kill;
$member->finish;

# ---------------------------------------------------------------- retention
$node->safe_psql('postgres', q{
	SELECT kafkapg.commit_offset('g-simple', 'gt', 0, 3);
	UPDATE kafkapg.consumer_offset SET committed_at = now() - interval '8 days'
	WHERE group_id = 'g-simple'});
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM kafkapg.consumer_offset WHERE group_id = 'g-simple'}),
	'a simple consumer\'s offsets committed 8 days ago are removed (retention 7 days)');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM kafkapg.consumer_offset WHERE group_id = 'g-clean'}),
	3, 'recent offsets of an Empty group stay');
$node->safe_psql('postgres', q{
	UPDATE kafkapg.consumer_group SET state_changed_at = now() - interval '8 days'
	WHERE group_id = 'g-clean'});
$node->restart;
ok(kp_wait_broker($node), 'broker back');
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM kafkapg.consumer_groups WHERE group_id = 'g-clean'}),
	'a group Empty for 8 days is removed with its offsets');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM kafkapg.consumer_offset WHERE group_id = 'g-clean'}),
	0, 'its offsets are gone');
ok($node->log_contains('removed \d+ committed offsets older than'), 'the removal is logged');

$node->stop;
done_testing();
