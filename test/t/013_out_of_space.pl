# Out of space: with kafkapg.data_directory on a small file system (a
# tmpfs test/t/run.sh mounts when it runs as root) that fills up, Produce
# gets KAFKA_STORAGE_ERROR (retriable) while reads go on; nothing
# acknowledged is lost, and once space returns the broker writes again,
# without a restart, at the next offset.  A SIGKILL afterwards loses none
# of it either.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

plan skip_all => 'no small file system (run as root where tmpfs can be mounted)'
  unless $ENV{KP_SMALLFS};

my $dir = "$ENV{KP_SMALLFS}/kafkapg";
my $node = kp_new_node('nospace', conf => ["kafkapg.data_directory = '$dir'"]);
$node->safe_psql('postgres', q{SELECT kafkapg.create_topic('disk', 1)});

# confluent-kafka without retries: the first error reaches the delivery report
my $py = <<'PY';
import sys
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "acks": "all", "retries": 0,
              "linger.ms": 0, "message.timeout.ms": 10000})
first, count = int(sys.argv[2]), int(sys.argv[3])
out = []
def report(err, msg):
    out.append(f"err {err.code()}" if err else f"ok {msg.value().decode()[:12]} {msg.offset()}")
for i in range(first, first + count):
    p.produce("disk", value=b"%012d" % i + b"." * 1012, partition=0, on_delivery=report)
    p.flush(10)
    if out[-1].startswith("err"):
        break
print("\n".join(out))
PY

# Produces numbered 1 KiB records until the first error; returns
# (acknowledged "number offset" pairs, error code or undef).
sub produce_until_error
{
	my ($first, $count) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ '/usr/bin/python3', '-c', $py, "127.0.0.1:$node->{kafka_port}",
		$first, $count ], '>', \$out, '2>', \$err, IPC::Run::timeout(120));
	my (@acked, $code);
	for (split /\n/, $out)
	{
		push @acked, [ $1 + 0, $2 ] if /^ok (\d+) (\d+)$/;
		$code = $1 if /^err (-?\d+)$/;
	}
	return (\@acked, $code);
}

my ($acked, $code) = produce_until_error(0, 100);
is(scalar(@$acked), 100, '100 records acknowledged while there is space');
ok(!defined $code, '... without an error');

# fill the file system
my $filler = "$ENV{KP_SMALLFS}/filler";
open(my $fh, '>', $filler) or die "filler: $!";
my $chunk = "\0" x 65536;
1 while syswrite($fh, $chunk);
close $fh;
my ($more, $full) = produce_until_error(100, 3000);
is($full, 56, 'a full disk: Produce gets KAFKA_STORAGE_ERROR (56)');
note(scalar(@$more) . ' more records fitted in the space reserved before');
push @$acked, @$more;
like(slurp_file($node->logfile), qr/could not reserve space in a segment file/,
	'the server log says why');

my @log = kp_kcat_consume($node, 'disk', 0, 'beginning');
is(scalar(@log), scalar(@$acked), 'reads go on: every acknowledged record is there');
my $good = grep { $log[$_->[1]] =~ /^$_->[1] \S* 0*$_->[0]\./ } @$acked;
is($good, scalar(@$acked), 'each at its acknowledged offset');

unlink $filler or die;
my ($after, $none) = produce_until_error(10_000, 50);
ok(!defined $none, 'space is back: Produce works again without a restart');
is(scalar(@$after), 50, '50 records acknowledged');
is($after->[0][1], scalar(@$acked), 'offsets continue right after the last acknowledged one');
push @$acked, @$after;

kp_kill9($node);
$node->start;
ok(kp_wait_broker($node), 'restarted after SIGKILL');
@log = kp_kcat_consume($node, 'disk', 0, 'beginning');
is(scalar(@log), scalar(@$acked), 'after SIGKILL: exactly the acknowledged records');
$good = grep { $log[$_->[1]] =~ /^$_->[1] \S* 0*$_->[0]\./ } @$acked;
is($good, scalar(@$acked), '... each at its acknowledged offset');

$node->stop;
done_testing();
