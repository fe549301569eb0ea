# Streaming standbys carry the log.  A standby made with pg_basebackup
# follows the primary's segment files byte for byte (log and indexes, also
# across segment rolls), serves Fetch, Metadata (naming the primary as the
# leader) and kafkapg.read() read-only, and refuses Produce and topic DDL.
# With synchronous_standby_names set, acks=all waits for the standby and
# consumers see nothing the standby has not confirmed.  After the standby
# is promoted with a log shorter than the old primary's, it takes leader
# epoch 1, stamps it in new batches, and OffsetForLeaderEpoch tells a
# consumer of the old timeline where epoch 0 ended.
use strict;
use warnings;
use Digest::SHA;
use File::Find;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use KafkaPG::Node;

my $primary = kp_new_node('primary', init => { allows_streaming => 1 });
$primary->safe_psql('postgres',
	q{SELECT kafkapg.create_topic('rep', 2, '{"segment.bytes": "4096"}')});
is(kp_kcat_produce($primary, 'rep', 0, [ map { "k$_:first-$_" } 0 .. 59 ]), 0,
	'60 records produced before the base backup');

$primary->backup('bk');
my $standby = kp_node_from_backup('standby', $primary, 'bk',
	init => { has_streaming => 1 }, conf => ['kafkapg.node_id = 2']);
my $sport = $standby->{kafka_port};
pass('the standby runs a broker');

is(kp_kcat_produce($primary, 'rep', 0, [ map { "k$_:second-$_" } 60 .. 139 ]), 0,
	'80 more records produced while the standby streams');
is(kp_kcat_produce($primary, 'rep', 1, [ map { "p1-$_:v$_" } 0 .. 9 ]), 0,
	'10 records to partition 1');
$primary->wait_for_catchup($standby);

# ------------------------------------------------------------ same files
sub file_sums
{
	my ($node) = @_;
	my $root = $node->data_dir . '/kafkapg';
	my %sum;
	find(sub {
		return unless -f $_ && /\.(log|index|timeindex)$/;
		(my $rel = $File::Find::name) =~ s/^\Q$root\E\///;
		$sum{$rel} = Digest::SHA->new(256)->addfile($_)->hexdigest;
	}, $root);
	return \%sum;
}
my $ps = file_sums($primary);
my $ss = file_sums($standby);
my $nlogs = grep { /\.log$/ } keys %$ps;
ok($nlogs > 3, "the primary rolled segments ($nlogs segment files)");
is_deeply($ss, $ps, 'segment, index and time index files are byte-identical on the standby');

# ------------------------------------------------------------ reads
my @want = kp_sql_records($primary, 'rep', 0);
is(scalar(@want), 140, 'the primary has 140 records');
is_deeply([ kp_sql_records($standby, 'rep', 0) ], \@want,
	'kafkapg.read() on the standby returns the same records');

my $f = kp_wire_fetch($standby, 'rep', 0, 0);
is($f->{error}, 0, 'Fetch on the standby: no error');
is($f->{high_watermark}, 140, 'Fetch on the standby: high watermark 140');
is($f->{batches}[0][0], 0, 'Fetch on the standby starts at offset 0');
$f = kp_wire_fetch($standby, 'rep', 0, 139);
is($f->{batches}[0][1], 139, 'Fetch on the standby reaches offset 139');

# a parked fetch on the standby is answered by redo of a new append
my $t0 = time;
my $long = IPC::Run::start(sub {
	my $r = kp_wire_fetch($standby, 'rep', 1, 10, 8000);
	print scalar(@{ $r->{batches} }) . ' ' . (time - $t0) . "\n";
}, '>', \my $lout);
sleep(0.5);
kp_kcat_produce($primary, 'rep', 1, ['late:one']);
$long->finish;
my ($nb, $secs) = split / /, $lout;
is($nb, 1, 'a parked Fetch on the standby returns the record replayed meanwhile');
cmp_ok($secs, '<', 7, "... before its max wait ($secs s)");

my $meta = kp_kcat_metadata($standby);
like($meta, qr/broker 1 at 127\.0\.0\.1:$primary->{kafka_port}/,
	'Metadata on the standby names the primary broker');
like($meta, qr/partition 0, leader 1,/, 'Metadata on the standby: the primary leads');

is(kp_wire_produce_error($standby, 'rep', 0), 6,
	'Produce on the standby: NOT_LEADER_OR_FOLLOWER');
my $err = '';
is(scalar(kp_sql_records($standby, 'rep', 0)), 140, 'nothing was written on the standby');
my $ddl = $standby->psql('postgres', q{SELECT kafkapg.create_topic('nope')}, stderr => \$err);
isnt($ddl, 0, 'kafkapg.create_topic() fails on the standby');
like($err, qr/read-only|recovery/, '... as a read-only transaction');

# ------------------------------------------------------------ synchronous
$primary->append_conf('postgresql.conf', "synchronous_standby_names = 'standby'\n");
$primary->reload;
$primary->poll_query_until('postgres',
	q{SELECT sync_state = 'sync' FROM pg_stat_replication}) or die;
is(kp_kcat_produce($primary, 'rep', 1, ['sync:ok']), 0, 'acks=all with a synchronous standby');
$standby->stop;
my $before = kp_partition_state($primary, 'rep', 1)->{high_watermark};
is(kp_kcat_produce($primary, 'rep', 1, ['async:a', 'async:b'], acks => 1), 0,
	'acks=1 is answered while the synchronous standby is down');
my $st = $primary->safe_psql('postgres',
	q{SELECT log_end_offset - high_watermark FROM kafkapg.partitions
	  WHERE topic = 'rep' AND partition = 1});
is($st, 2, 'the high watermark stays behind the two unconfirmed records');
is(scalar(kp_kcat_consume($primary, 'rep', 1)), $before,
	'a consumer sees only what the standby confirmed');
my ($aout, $aerr) = ('', '');
my $input = $primary->basedir . '/waiting.txt';
PostgreSQL::Test::Utils::append_to_file($input, "waiting\n");
my $acks_all = IPC::Run::start([ 'kcat', '-P', '-b', "127.0.0.1:$primary->{kafka_port}",
	'-t', 'rep', '-p', 1, '-X', 'acks=all', '-X', 'linger.ms=0' ],
	'<', $input, '>', \$aout, '2>', \$aerr);
$primary->poll_query_until('postgres',
	q{SELECT log_end_offset - high_watermark = 3 FROM kafkapg.partitions
	  WHERE topic = 'rep' AND partition = 1}) or die;
sleep(1);
ok(kill(0, $acks_all->{KIDS}[0]{PID}),
	'acks=all waits (appended, not acknowledged) while the synchronous standby is down');
$standby->start;
ok($acks_all->finish, 'acks=all is answered once the standby is back')
  or diag("kcat: $aerr");
$primary->poll_query_until('postgres',
	q{SELECT high_watermark = log_end_offset FROM kafkapg.partitions
	  WHERE topic = 'rep' AND partition = 1}) or die;
my @p1 = kp_kcat_consume($primary, 'rep', 1);
is(scalar(@p1), $before + 3, 'the high watermark caught up: all records visible')
  or diag(join("\n", @p1));
$primary->append_conf('postgresql.conf', "synchronous_standby_names = ''\n");
$primary->reload;
$primary->wait_for_catchup($standby);

# ------------------------------------------------------------ promotion
# the standby stops following; the old primary goes on alone (acks=all is
# local again), so its log gets longer than the standby's
$standby->stop;
$standby->append_conf('postgresql.conf', "primary_conninfo = ''\n");
is(kp_kcat_produce($primary, 'rep', 0, [ map { "k$_:old-timeline-$_" } 140 .. 159 ]), 0,
	'20 records only the old primary has');
$standby->start;
$standby->promote;
ok(kp_wait_broker($standby), 'the promoted standby serves');
$standby->poll_query_until('postgres',
	q{SELECT leader_epoch = 1 FROM kafkapg.partitions WHERE topic = 'rep' AND partition = 0})
  or die 'no new leader epoch';
pass('the promoted broker took leader epoch 1');
is(kp_kcat_produce($standby, 'rep', 0, [ map { "k$_:new-timeline-$_" } 140 .. 144 ]), 0,
	'the promoted broker accepts produce');
$f = kp_wire_fetch($standby, 'rep', 0, 140);
is_deeply([ map { $_->[2] } @{ $f->{batches} } ], [ (1) x 5 ],
	'new batches carry leader epoch 1');
is($f->{batches}[0][0], 140, 'offsets continue at 140 on the new timeline');
my @e = kp_wire_epoch_end($standby, 'rep', 0, 0);
is_deeply(\@e, [ 0, 0, 140 ],
	'OffsetForLeaderEpoch(epoch 0): epoch 0 ended at 140 (a consumer at 160 truncates)');
@e = kp_wire_epoch_end($standby, 'rep', 0, 1);
is_deeply(\@e, [ 0, 1, 145 ], 'OffsetForLeaderEpoch(epoch 1): the log end offset');
@e = kp_wire_epoch_end($standby, 'rep', 0, 2);
is_deeply(\@e, [ 0, -1, -1 ], 'OffsetForLeaderEpoch(epoch 2): undefined');
@e = kp_wire_epoch_end($standby, 'rep', 0, 0, 0);
is($e[0], 74, 'current_leader_epoch 0: FENCED_LEADER_EPOCH');
like(kp_kcat_metadata($standby), qr/partition 0, leader 2,/,
	'Metadata on the promoted broker: it leads');
my @recs = kp_kcat_consume($standby, 'rep', 0, 'beginning');
is(scalar(@recs), 145, 'a consumer reads 145 records from the new primary');
like($recs[-1], qr/^144 k144 new-timeline-144 /, '... ending on the new timeline');

$standby->stop;
$primary->stop;
done_testing();
