# The partition log survives a clean restart: a topic created from SQL with
# small segments rolls several segment files; after the restart the high
# watermarks, segments and every record (read with kafkapg.read and with a
# real consumer) are identical, and new records continue the offsets.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('log_restart');
my $topic = 'restart-log';
my %count = (0 => 300, 1 => 120);    # records per partition

my $id = $node->safe_psql('postgres',
	qq{SELECT kafkapg.create_topic('$topic', 2, '{"segment.bytes": "2048"}')});
like($id, qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
	'create_topic returns a version 4 uuid');

# Expected records: "offset key value"; timestamps are compared separately.
sub expected
{
	my ($p, $from, $to) = @_;
	return map { sprintf('%d k%d-%d v%d-%d', $_, $p, $_, $p, $_) } $from .. $to;
}
sub lines_for
{
	my ($p, $from, $to) = @_;
	return [ map { sprintf('k%d-%d:v%d-%d', $p, $_, $p, $_) } $from .. $to ];
}
sub strip_ts { return map { (my $l = $_) =~ s/ -?\d+$//; $l } @_; }

# One record per batch on partition 0, batches of 10 on partition 1.
is(kp_kcat_produce($node, $topic, 0, lines_for(0, 0, $count{0} - 1)), 0,
	"kcat produced $count{0} records to partition 0");
is(kp_kcat_produce($node, $topic, 1, lines_for(1, 0, $count{1} - 1), batch => 10), 0,
	"kcat produced $count{1} records to partition 1");

my $dir = $node->data_dir . "/kafkapg/$id";
my %before;
for my $p (0, 1)
{
	my $s = kp_partition_state($node, $topic, $p);
	$before{$p} = $s;
	is($s->{high_watermark}, $count{$p}, "partition $p: high watermark $count{$p}");
	is($s->{last_stable_offset}, $count{$p}, "partition $p: last stable offset = high watermark");
	is($s->{log_start_offset}, 0, "partition $p: log start offset 0");
	cmp_ok($s->{segments}, '>', 1, "partition $p: several segments ($s->{segments})");
	my @logs = glob("$dir/$p/*.log");
	is(scalar(@logs), $s->{segments}, "partition $p: one .log file per segment");
	my $bytes = 0;
	$bytes += -s $_ for @logs;
	cmp_ok($s->{size_bytes}, '>', 0, "partition $p: size_bytes > 0");
	is($s->{size_bytes}, $bytes, "partition $p: size_bytes is the size of its .log files");
	ok(!grep({ -s $_ > 2048 } @logs), "partition $p: no segment above segment.bytes");
	like(join(' ', map { m{/(\d+)\.log$} ? $1 : '?' } sort @logs),
		qr/^0{20}( \d{20})+$/, "partition $p: segments named by 20-digit base offsets");
}

# Every record, by SQL and by a consumer; both agree on the timestamps.
my (%sql, %kcat);
for my $p (0, 1)
{
	my @exp = expected($p, 0, $count{$p} - 1);
	$sql{$p} = [ kp_sql_records($node, $topic, $p) ];
	$kcat{$p} = [ kp_kcat_consume($node, $topic, $p) ];
	is_deeply([ strip_ts(@{ $sql{$p} }) ], \@exp, "partition $p: kafkapg.read returns every record");
	is_deeply([ strip_ts(@{ $kcat{$p} }) ], \@exp, "partition $p: kcat consumes every record");
	is_deeply($sql{$p}, $kcat{$p}, "partition $p: SQL and kcat agree on timestamps");
}
is_deeply([ strip_ts(kp_sql_records($node, $topic, 0, 137, 5)) ], [ expected(0, 137, 141) ],
	'kafkapg.read from an offset inside a later segment, limited');
is_deeply([ strip_ts(kp_kcat_consume($node, $topic, 0, 251)) ], [ expected(0, 251, $count{0} - 1) ],
	'kcat from an offset inside a later segment');
# partition 1 has batches of 10 records: start in the middle of one
is_deeply([ strip_ts(kp_sql_records($node, $topic, 1, 45, 3)) ], [ expected(1, 45, 47) ],
	'kafkapg.read from the middle of a batch');
is_deeply([ strip_ts(kp_kcat_consume($node, $topic, 1, 45)) ], [ expected(1, 45, $count{1} - 1) ],
	'kcat from the middle of a batch');

# Clean restart.
$node->restart;
ok(kp_wait_broker($node), 'broker serves after the restart');
for my $p (0, 1)
{
	is_deeply(kp_partition_state($node, $topic, $p), $before{$p},
		"partition $p: offsets, size and segments identical after restart");
	is_deeply([ kp_sql_records($node, $topic, $p) ], $sql{$p},
		"partition $p: kafkapg.read returns identical records after restart");
	is_deeply([ kp_kcat_consume($node, $topic, $p) ], $kcat{$p},
		"partition $p: kcat consumes identical records after restart");
}
for my $p (0, 1)
{
	is(kp_kcat_offset_for_time($node, $topic, $p, -2), 0,
		"partition $p: ListOffsets earliest is 0 after restart");
	is(kp_kcat_offset_for_time($node, $topic, $p, -1), $count{$p},
		"partition $p: ListOffsets latest is $count{$p} after restart");
}
is($node->safe_psql('postgres', "SELECT topic_id FROM kafkapg.topics WHERE topic = '$topic'"),
	$id, 'topic id unchanged by the restart');
my $log = slurp_file($node->logfile);
unlike($log, qr/truncating torn tail/, 'a clean restart truncates nothing');

# New records continue the offsets; nothing is reused or lost.
is(kp_kcat_produce($node, $topic, 0, lines_for(0, $count{0}, $count{0} + 49)), 0,
	'produced 50 more records to partition 0');
is(kp_kcat_produce($node, $topic, 1, lines_for(1, $count{1}, $count{1} + 9), batch => 10), 0,
	'produced 10 more records to partition 1');
is(kp_partition_state($node, $topic, 0)->{high_watermark}, $count{0} + 50,
	'partition 0: high watermark advanced by 50');
is(kp_partition_state($node, $topic, 1)->{high_watermark}, $count{1} + 10,
	'partition 1: high watermark advanced by 10');
cmp_ok(kp_partition_state($node, $topic, 0)->{segments}, '>', $before{0}{segments},
	'partition 0: new segments rolled after the restart');
for my $p (0, 1)
{
	my $n = $count{$p} + ($p == 0 ? 50 : 10);
	my @exp = expected($p, 0, $n - 1);
	my @sql = kp_sql_records($node, $topic, $p);
	is_deeply([ strip_ts(@sql) ], \@exp,
		"partition $p: old and new records, offsets continuing without reuse (SQL)");
	is_deeply([ @sql[ 0 .. $count{$p} - 1 ] ], $sql{$p},
		"partition $p: records from before the restart unchanged");
	is_deeply([ strip_ts(kp_kcat_consume($node, $topic, $p)) ], \@exp,
		"partition $p: old and new records, offsets continuing without reuse (kcat)");
}

# An immediate shutdown (no shutdown checkpoint, as after a crash) keeps
# everything that was acknowledged.
my %final = map { ($_ => [ kp_sql_records($node, $topic, $_) ]) } 0, 1;
my %fstate = map { ($_ => kp_partition_state($node, $topic, $_)) } 0, 1;
$node->stop('immediate');
$node->start;
ok(kp_wait_broker($node), 'broker serves after an immediate shutdown');
for my $p (0, 1)
{
	is_deeply(kp_partition_state($node, $topic, $p), $fstate{$p},
		"partition $p: state identical after an immediate shutdown");
	is_deeply([ kp_kcat_consume($node, $topic, $p) ], $final{$p},
		"partition $p: every record identical after an immediate shutdown (kcat)");
}

$node->stop;
done_testing();
