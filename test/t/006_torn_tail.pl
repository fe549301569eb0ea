# Recovery of the active segment: bytes after the last intact batch (a
# tail torn by a crash) are truncated at the next start with a LOG line,
# and no record is lost or invented; offset and time indexes that are
# missing are rebuilt, and reads by offset and ListOffsets by timestamp
# work with the rebuilt indexes.
use strict;
use warnings;
use File::Basename qw(basename);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use KafkaPG::Node;

my $node = kp_new_node('torn_tail');
my $topic = 'torn';
my $pad = 'x' x 100;

# Small segments so that the partition has sealed segments and an active one.
my $id = $node->safe_psql('postgres',
	qq{SELECT kafkapg.create_topic('$topic', 1, '{"segment.bytes": "16384"}')});
my $pdir = $node->data_dir . "/kafkapg/$id/0";

sub lines_for { return [ map { "k$_:v$_-$pad" } $_[0] .. $_[1] ] }
sub expected { return map { "$_ k$_ v$_-$pad" } $_[0] .. $_[1] }
sub strip_ts { return map { (my $l = $_) =~ s/ -?\d+$//; $l } @_; }

sub read_file_raw
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "open $path: $!";
	local $/;
	my $data = <$fh>;
	close $fh;
	return $data // '';
}

sub append_raw
{
	my ($path, $bytes) = @_;
	open(my $fh, '>>:raw', $path) or die "open $path: $!";
	print $fh $bytes;
	close $fh;
}

# The segment with the largest base offset.
sub active_segment
{
	my @logs = sort glob("$pdir/*.log");
	return $logs[-1];
}

# Batches of a segment file: [ position, total size, base offset ].
sub batches
{
	my ($data) = @_;
	my ($pos, @b) = (0);
	while ($pos + 12 <= length($data))
	{
		my ($hi, $lo, $len) = unpack('N N N', substr($data, $pos, 12));
		last if $pos + 12 + $len > length($data);
		push @b, [ $pos, 12 + $len, $hi * 2**32 + $lo ];
		$pos += 12 + $len;
	}
	return @b;
}

# Four groups of records, 30 ms apart, so that their timestamps differ.
my $n = 0;
for my $g (0 .. 3)
{
	usleep(30_000) if $g;
	is(kp_kcat_produce($node, $topic, 0, lines_for($n, $n + 49)), 0,
		"produced records $n-" . ($n + 49));
	$n += 50;
}
my $state = kp_partition_state($node, $topic, 0);
is($state->{high_watermark}, $n, "high watermark $n");
cmp_ok($state->{segments}, '>=', 2, "several segments ($state->{segments})");

# Each round: stop, damage the tail of the active segment, start again.
# A round returns the file to append to (the active segment unless it
# makes a new one) and the bytes to append.
sub last_batch { my ($d, @b) = @_; return substr($d, $b[-1][0], $b[-1][1]) }
my @rounds = (
	[ 'garbage bytes', sub { ($_[0], "\xde\xad\xbe\xef" x 25) } ],
	[ 'the first 40 bytes of the last batch',
		sub { my $seg = shift; ($seg, substr(last_batch(@_), 0, 40)) } ],
	[ 'a copy of the last batch with the next base offset and a bad CRC',
		sub {
			my $seg = shift;
			my $copy = last_batch(@_);
			substr($copy, 0, 8) = pack('N N', 0, $n);    # baseOffset: the log end
			substr($copy, -1, 1) = chr(ord(substr($copy, -1, 1)) ^ 0xff);
			($seg, $copy);
		} ],
	[ '4096 zero bytes', sub { ($_[0], "\0" x 4096) } ],
	[ 'a new segment holding only a torn first batch',
		sub {
			my $seg = shift;
			my $copy = last_batch(@_);
			substr($copy, 0, 8) = pack('N N', 0, $n);
			(sprintf('%s/%020d.log', $pdir, $n), substr($copy, 0, 100));
		} ]);

for my $round (@rounds)
{
	my ($what, $make) = @$round;
	my @sql = kp_sql_records($node, $topic, 0);
	my @kcat = kp_kcat_consume($node, $topic, 0);
	is_deeply([ strip_ts(@sql) ], [ expected(0, $n - 1) ], "$what: records before");

	$node->stop('fast');
	my $active = active_segment();
	my $data = read_file_raw($active);
	my ($seg, $tail) = $make->($active, $data, batches($data));
	my $size = -s $seg // 0;
	my ($base) = $seg =~ m{/(\d+)\.log$};
	append_raw($seg, $tail);
	is(-s $seg, $size + length($tail), "$what: appended " . length($tail) . ' bytes');

	my $logpos = -s $node->logfile;
	$node->start;
	ok(kp_wait_broker($node), "$what: broker serves after the start");
	my $msg = sprintf('truncating torn tail of partition 0 segment %d from %d to %d bytes',
		$base, $size + length($tail), $size);
	ok($node->wait_for_log(qr/\Q$msg\E/, $logpos), "$what: LOG \"$msg\"");
	is(-s $seg // 0, $size, "$what: segment truncated back to the last intact batch");
	my $s = kp_partition_state($node, $topic, 0);
	is($s->{high_watermark}, $n, "$what: high watermark unchanged ($n)");
	is($s->{size_bytes}, $state->{size_bytes}, "$what: size_bytes unchanged");
	is_deeply([ kp_sql_records($node, $topic, 0) ], \@sql, "$what: every record intact (SQL)");
	is_deeply([ kp_kcat_consume($node, $topic, 0) ], \@kcat, "$what: every record intact (kcat)");

	is(kp_kcat_produce($node, $topic, 0, lines_for($n, $n + 9)), 0, "$what: produced 10 more");
	is_deeply([ strip_ts(kp_kcat_consume($node, $topic, 0, $n - 2)) ], [ expected($n - 2, $n + 9) ],
		"$what: new records continue at offset $n");
	$n += 10;
	$state = kp_partition_state($node, $topic, 0);
	is($state->{high_watermark}, $n, "$what: high watermark $n");
}

# ---------------------------------------------------------------- indexes
# Missing offset and time indexes of the active segment and of the first
# sealed one are rebuilt at the next start.
my %ts = map { my @f = split / /; ($f[0] => $f[3]) } kp_sql_records($node, $topic, 0);
my @all = kp_kcat_consume($node, $topic, 0);
my $active = active_segment();
(my $first = (sort glob("$pdir/*.log"))[0]) =~ s/\.log$//;
(my $last = $active) =~ s/\.log$//;
isnt($first, $last, 'first segment is sealed');
my %orig;
for my $f (map { ("$_.index", "$_.timeindex") } $first, $last)
{
	$orig{$f} = read_file_raw($f);
	cmp_ok(length($orig{$f}), '>', 0, 'index file ' . basename($f) . ' is not empty');
}
$node->stop('fast');
unlink($_) or die "unlink $_: $!" for keys %orig;
$node->start;
ok(kp_wait_broker($node), 'broker serves after the index files were deleted');
for my $f (sort keys %orig)
{
	my $name = basename($f);
	ok(-e $f, "index file rebuilt: $name");
	is(read_file_raw($f), $orig{$f}, "rebuilt $name identical to the original");
}
is(kp_partition_state($node, $topic, 0)->{high_watermark}, $n, 'high watermark unchanged');
is_deeply([ kp_kcat_consume($node, $topic, 0) ], \@all, 'every record intact after the rebuild');

# Reads from offsets inside the first segment, a middle one and the active one.
my ($active_base) = $active =~ m{/(\d+)\.log$};
for my $from (37, 123, $active_base + 1, $n - 1)
{
	is_deeply([ kp_kcat_consume($node, $topic, 0, $from) ], [ @all[ $from .. $n - 1 ] ],
		"kcat reads from offset $from");
	is_deeply([ strip_ts(kp_sql_records($node, $topic, 0, $from, 3)) ],
		[ expected($from, $from + 2 < $n ? $from + 2 : $n - 1) ],
		"kafkapg.read reads from offset $from");
}

# ListOffsets by timestamp: the first offset whose timestamp is at least
# the one asked.  The first record of each group (and of each round after a
# restart) has a later timestamp than every record before it.
for my $off (50, 100, 150, 200, $n - 10)
{
	cmp_ok($ts{$off}, '>', $ts{ $off - 1 }, "record $off is later than record " . ($off - 1));
	is(kp_kcat_offset_for_time($node, $topic, 0, $ts{$off}), $off,
		"ListOffsets for the timestamp of record $off (kcat -Q)");
	my @from = kp_kcat_consume($node, $topic, 0, "s\@$ts{$off}");
	is($from[0], $all[$off], "kcat -o s\@<timestamp of record $off> starts at $off");
}
is(kp_kcat_offset_for_time($node, $topic, 0, $ts{0} - 1000), 0,
	'ListOffsets for a timestamp before every record: offset 0');
is(kp_kcat_offset_for_time($node, $topic, 0, $ts{ $n - 1 } + 60_000), -1,
	'ListOffsets for a timestamp after every record: -1');

$node->stop;
done_testing();
