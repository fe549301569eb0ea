# A configuration reload changes a reloadable GUC in the running worker.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('reload');
my $kport = $node->{kafka_port};
my ($pid) = kp_worker_pids($node);

like(kp_kcat_metadata($node), qr/broker 1 at 127\.0\.0\.1:$kport/,
	'Metadata advertises the listen address and port by default');

$node->safe_psql('postgres', q{ALTER SYSTEM SET kafkapg.advertised_host = 'broker.example.test'});
$node->safe_psql('postgres', 'ALTER SYSTEM SET kafkapg.advertised_port = 19092');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');

my $md = '';
for (1 .. 100)
{
	$md = kp_kcat_metadata($node);
	last if $md =~ /broker\.example\.test:19092/;
	select(undef, undef, undef, 0.1);
}
like($md, qr/broker 1 at broker\.example\.test:19092/,
	'Metadata advertises the reloaded host and port');
my ($pid2) = kp_worker_pids($node);
is($pid2, $pid, 'reload applied without restarting the worker');
ok(kp_wait_broker($node), 'broker still listens on its original port');

# A postmaster-context GUC is not changed by a reload.
$node->safe_psql('postgres', 'ALTER SYSTEM SET kafkapg.port = 1');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok(kp_wait_broker($node), 'kafkapg.port change waits for a restart');
$node->stop;
done_testing();
