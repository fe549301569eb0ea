# KafkaPG::Node -- a PostgreSQL::Test::Cluster node running the kafkapg
# broker on a free port, plus small Kafka-wire helpers for TAP tests.
package KafkaPG::Node;

use strict;
use warnings;
use Exporter 'import';
use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

our @EXPORT = qw(kp_new_node kp_node_from_backup kp_api_versions kp_wait_broker kp_wait_broker_down
  kp_kill9 kp_restart_after_kill9
  kp_worker_pids kp_kcat_metadata kp_kcat_produce kp_kcat_consume kp_kcat_offset_for_time
  kp_sql_records kp_partition_state kp_wire_fetch kp_wire_produce_error
  kp_wire_epoch_end);

# Creates, configures and starts a node; runs CREATE EXTENSION and waits
# until the broker answers.  Extra postgresql.conf lines: conf => [...].
sub kp_new_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	my $kport = PostgreSQL::Test::Cluster::get_free_port();
	$node->init(%{ $opts{init} // {} });
	$node->append_conf('postgresql.conf', join("\n",
		"shared_preload_libraries = 'kafkapg'",
		"kafkapg.port = $kport",
		"kafkapg.listen_addresses = '127.0.0.1'",
		@{ $opts{conf} // [] }) . "\n");
	$node->{kafka_port} = $kport;
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION kafkapg');
	kp_wait_broker($node) or die "broker did not come up";
	return $node;
}

# Creates a node from a base backup $backup of $root (init_from_backup;
# parameters of it: init => { ... }, e.g. has_restoring => 1, standby => 0),
# gives its broker a port of its own, appends conf => [...] and starts it.
# With promote => 1, waits until recovery has ended; then waits until the
# broker answers.  The extension comes with the backup.
sub kp_node_from_backup
{
	my ($name, $root, $backup, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	my $kport = PostgreSQL::Test::Cluster::get_free_port();
	$node->init_from_backup($root, $backup, %{ $opts{init} // {} });
	$node->append_conf('postgresql.conf', join("\n",
		"kafkapg.port = $kport",
		@{ $opts{conf} // [] }) . "\n");
	$node->{kafka_port} = $kport;
	$node->start;
	if ($opts{promote})
	{
		$node->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
		  or die "recovery did not end";
	}
	kp_wait_broker($node) or die "broker did not come up";
	return $node;
}

# Sends ApiVersions (version $v, default 0) on a new connection; returns
# { correlation_id, error_code, api_keys => { key => [min, max] } } or undef.
sub kp_api_versions
{
	my ($node, $v) = @_;
	$v //= 0;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $node->{kafka_port}, Proto => 'tcp', Timeout => 3)
	  or return undef;
	my $body = pack('s> s> l> s>', 18, $v, 4242, -1);
	# v3: header tagged fields, two compact strings, body tagged fields
	$body .= pack('C', 0) . pack('C', 5) . 'perl' . pack('C', 4) . '1.0' . pack('C', 0)
	  if $v >= 3;
	print $sock pack('l>', length($body)) . $body;
	my $resp = _read_frame($sock) // return undef;
	my ($corr, $err) = unpack('l> s>', $resp);
	my ($n, $off);
	if ($v >= 3)
	{
		($n, $off) = (unpack('C', substr($resp, 6, 1)) - 1, 7);
	}
	else
	{
		($n, $off) = (unpack('l>', substr($resp, 6, 4)), 10);
	}
	my %keys;
	for my $i (0 .. $n - 1)
	{
		my ($k, $lo, $hi) = unpack('s> s> s>', substr($resp, $off, 6));
		$keys{$k} = [ $lo, $hi ];
		$off += ($v >= 3) ? 7 : 6;
	}
	return { correlation_id => $corr, error_code => $err, api_keys => \%keys };
}

sub _read_frame
{
	my ($sock) = @_;
	my $hdr = _read_n($sock, 4) // return undef;
	return _read_n($sock, unpack('l>', $hdr));
}

sub _read_n
{
	my ($sock, $n) = @_;
	my $buf = '';
	while (length($buf) < $n)
	{
		my $got = sysread($sock, $buf, $n - length($buf), length($buf));
		return undef unless $got;
	}
	return $buf;
}

# Waits until the broker answers ApiVersions; returns 1, or 0 on timeout.
sub kp_wait_broker
{
	my ($node, $timeout) = @_;
	my $deadline = time + ($timeout // 30);
	while (time < $deadline)
	{
		my $r = eval { kp_api_versions($node) };
		return 1 if $r && $r->{error_code} == 0;
		usleep(100_000);
	}
	return 0;
}

# Waits until nothing accepts connections on the broker port.
sub kp_wait_broker_down
{
	my ($node, $timeout) = @_;
	my $deadline = time + ($timeout // 30);
	while (time < $deadline)
	{
		my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			PeerPort => $node->{kafka_port}, Proto => 'tcp', Timeout => 1);
		return 1 unless $sock;
		close $sock;
		usleep(100_000);
	}
	return 0;
}

# SIGKILL of the postmaster; returns once its process is gone (reaped, not
# only dead: a new postmaster refuses to start while the old PID exists).
sub kp_kill9
{
	my ($node) = @_;
	my $pm = $node->{_pid};
	$node->kill9;
	my $deadline = time + 60;
	usleep(50_000) while defined $pm && kill(0, $pm) && time < $deadline;
	return;
}

# Starts a node after kp_kill9, retrying while the killed postmaster's
# children still hold its shared memory; true once it started.
sub kp_restart_after_kill9
{
	my ($node) = @_;
	for (1 .. 60)
	{
		return 1 if $node->start(fail_ok => 1);
		# a failed start read the stale postmaster.pid: forget it
		$node->{_pid} = undef;
		usleep(500_000);
	}
	return 0;
}

# Pids of the broker workers (0 for one not running), by worker number.
sub kp_worker_pids
{
	my ($node) = @_;
	my $out = $node->safe_psql('postgres',
		'SELECT coalesce(pid, 0) FROM kafkapg.broker_workers ORDER BY worker');
	return split /\n/, $out;
}

# Output of kcat -L against the node (a real librdkafka client).
sub kp_kcat_metadata
{
	my ($node) = @_;
	return scalar `kcat -L -m 5 -b 127.0.0.1:$node->{kafka_port} 2>&1`;
}

# Runs a command with input $in, killing it after $secs (default 60);
# returns (exit status, stdout, stderr).
sub _run
{
	my ($cmd, $in, $secs) = @_;
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run($cmd, '<', \$in, '>', \$out, '2>', \$err,
			IPC::Run::timeout($secs // 60));
	};
	return ($ok ? $? : -1, $out, $err . ($@ ? "\n$@" : ''));
}

# Produces "key:value" lines with kcat to one partition and waits for the
# acknowledgements; each record is a batch of its own unless batch => n;
# acks => 0|1|all (default all, librdkafka's default).
# Returns kcat's exit status (0: every record acknowledged).
sub kp_kcat_produce
{
	my ($node, $topic, $partition, $lines, %opts) = @_;
	my ($rc, $out, $err) = _run([ 'kcat', '-P', '-b', "127.0.0.1:$node->{kafka_port}",
		'-t', $topic, '-p', $partition, '-K:', '-X', 'linger.ms=0',
		'-X', 'batch.num.messages=' . ($opts{batch} // 1),
		'-X', 'acks=' . ($opts{acks} // 'all') ],
		join('', map { "$_\n" } @$lines));
	diag("kcat -P: $err") if $rc != 0;
	return $rc;
}

# Records of one partition read with kcat (Fetch) from $from (an offset,
# "beginning", or "s@<ms>") to the end, as "offset key value timestamp".
sub kp_kcat_consume
{
	my ($node, $topic, $partition, $from) = @_;
	my ($rc, $out, $err) = _run([ 'kcat', '-C', '-q', '-e',
		'-b', "127.0.0.1:$node->{kafka_port}", '-t', $topic, '-p', $partition,
		'-o', $from // 'beginning', '-f', '%o %k %s %T\n' ], '');
	diag("kcat -C: $err") if $rc != 0;
	return split /\n/, $out;
}

# ListOffsets by timestamp (kcat -Q): the offset answered, or undef.
sub kp_kcat_offset_for_time
{
	my ($node, $topic, $partition, $ms) = @_;
	my ($rc, $out, $err) = _run([ 'kcat', '-Q',
		'-b', "127.0.0.1:$node->{kafka_port}", '-t', "$topic:$partition:$ms" ], '');
	diag("kcat -Q: $err") if $rc != 0;
	return $out =~ /\[$partition\] offset (-?\d+)/ ? $1 : undef;
}

# Records of one partition read with kafkapg.read() from $from, in the
# same "offset key value timestamp" form as kp_kcat_consume.
sub kp_sql_records
{
	my ($node, $topic, $partition, $from, $max) = @_;
	$from //= 0;
	$max //= 1000000;
	my $out = $node->safe_psql('postgres', qq{
		SELECT "offset" || ' ' || convert_from(key, 'UTF8') || ' '
		       || convert_from(value, 'UTF8') || ' '
		       || (extract(epoch FROM "timestamp") * 1000)::bigint
		FROM kafkapg.read('$topic', $partition, $from, $max)});
	return split /\n/, $out;
}

# One partition's row of kafkapg.partitions as a hash ({} if there is none).
sub kp_partition_state
{
	my ($node, $topic, $partition) = @_;
	my @cols = qw(log_start_offset high_watermark last_stable_offset size_bytes segments);
	my $out = $node->safe_psql('postgres',
		'SELECT ' . join(', ', @cols) . " FROM kafkapg.partitions"
		  . " WHERE topic = '$topic' AND partition = $partition");
	return {} if $out eq '';
	my %h;
	@h{@cols} = split /\|/, $out;
	return \%h;
}

# ---------------------------------------------------------------- raw wire
# Minimal non-flexible requests for what kcat cannot aim at one broker
# (a standby answers for itself, clients would follow Metadata to the
# primary).

sub _wire_call
{
	my ($node, $key, $version, $body) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $node->{kafka_port}, Proto => 'tcp', Timeout => 10)
	  or return undef;
	my $hdr = pack('s> s> l> s>/a', $key, $version, 77, 'perl-tap');
	print $sock pack('l>', length($hdr . $body)) . $hdr . $body;
	my $resp = _read_frame($sock);
	close $sock;
	return defined $resp ? substr($resp, 4) : undef;
}

# Fetch v4 of one partition from $offset: { error, high_watermark,
# batches => [ [base_offset, last_offset, leader_epoch], ... ] } or undef.
sub kp_wire_fetch
{
	my ($node, $topic, $partition, $offset, $max_wait) = @_;
	my $body = pack('l> l> l> l> c', -1, $max_wait // 0, 1, 1 << 24, 0)
	  . pack('l> s>/a l> l> q> l>', 1, $topic, 1, $partition, $offset, 1 << 24);
	my $r = _wire_call($node, 1, 4, $body) // return undef;
	my ($throttle, $ntopics, $tlen) = unpack('l> l> s>', $r);
	my $pos = 4 + 4 + 2 + $tlen + 4;    # to the first partition
	my ($p, $err, $hwm, $lso, $naborted) = unpack('l> s> q> q> l>', substr($r, $pos));
	$pos += 4 + 2 + 8 + 8 + 4 + 16 * ($naborted > 0 ? $naborted : 0);
	my $len = unpack('l>', substr($r, $pos));
	$pos += 4;
	my $records = $len > 0 ? substr($r, $pos, $len) : '';
	my @batches;
	while (length($records) >= 61)
	{
		my ($base, $blen, $epoch) = unpack('q> l> l>', $records);
		last if length($records) < 12 + $blen;
		my $last_delta = unpack('l>', substr($records, 23, 4));
		push @batches, [ $base, $base + $last_delta, $epoch ];
		$records = substr($records, 12 + $blen);
	}
	return { error => $err, high_watermark => $hwm, batches => \@batches };
}

# Produce v3 (acks=all) of a dummy record set to one partition: the error
# code answered.  Only for refusals: the records are not a valid batch.
sub kp_wire_produce_error
{
	my ($node, $topic, $partition) = @_;
	my $body = pack('s> s> l>', -1, -1, 10000)
	  . pack('l> s>/a l> l> l>/a', 1, $topic, 1, $partition, 'x' x 70);
	my $r = _wire_call($node, 0, 3, $body) // return undef;
	my (undef, $tlen) = unpack('l> s>', $r);
	my ($p, $err) = unpack('l> s>', substr($r, 4 + 2 + $tlen + 4));
	return $err;
}

# OffsetForLeaderEpoch v3: (error, leader_epoch, end_offset) for one
# partition and leader epoch ($current: current_leader_epoch, default -1).
sub kp_wire_epoch_end
{
	my ($node, $topic, $partition, $epoch, $current) = @_;
	my $body = pack('l> l> s>/a l> l> l> l>', -1, 1, $topic, 1, $partition, $current // -1,
		$epoch);
	my $r = _wire_call($node, 23, 3, $body) // return ();
	my (undef, undef, $tlen) = unpack('l> l> s>', $r);
	my ($err, $p, $le, $end) = unpack('s> l> l> q>', substr($r, 4 + 4 + 2 + $tlen + 4));
	return ($err, $le, $end);
}

1;

