# Broker workers start, share the port, and answer real clients.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('workers', conf => ['kafkapg.workers = 2']);

my @pids = kp_worker_pids($node);
is(scalar(@pids), 2, 'two broker workers configured');
ok((grep { $_ > 0 } @pids) == 2, 'both broker workers are running');
is($node->safe_psql('postgres',
	'SELECT count(*) FROM kafkapg.broker_workers WHERE listening'),
	'2', 'both workers listen on the shared port');

my $av = kp_api_versions($node, 3);
is($av->{error_code}, 0, 'ApiVersions v3 succeeds');
is_deeply($av->{api_keys}{18}, [ 0, 3 ], 'ApiVersions advertises versions 0-3');
is_deeply($av->{api_keys}{3}, [ 0, 12 ], 'Metadata advertised as versions 0-12');

my $md = kp_kcat_metadata($node);
my $kport = $node->{kafka_port};
like($md, qr/broker 1 at 127\.0\.0\.1:$kport \(controller\)/,
	'kcat -L lists broker 1 at the advertised address');

# Many connections spread over both workers through SO_REUSEPORT.
my @socks;
for (1 .. 40)
{
	push @socks, IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $kport, Proto => 'tcp') or die "connect: $!";
}
my $spread;
for (1 .. 50)
{
	$spread = $node->safe_psql('postgres',
		'SELECT count(*) FROM kafkapg.broker_workers WHERE connections > 0');
	last if $spread eq '2';
	select(undef, undef, undef, 0.1);
}
is($spread, '2', 'connections are spread over both workers');
close $_ for @socks;

ok($node->wait_for_log(qr/kafkapg broker 1 listening on/), 'worker logged that it listens');
$node->stop;
done_testing();
