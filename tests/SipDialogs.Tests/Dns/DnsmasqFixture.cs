using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dns;

/// <summary>
/// One dnsmasq for the locator tests, with a zone per test under <c>.test</c>. Every answer has TTL 1
/// (<c>--local-ttl</c>); the locator's cache runs on a test clock, so expiry happens when a test says. UDP answers
/// are capped at 512 bytes so that a large one is truncated and must be asked again over TCP.
/// </summary>
public sealed class DnsmasqFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dnsmasq-").FullName;

    internal DnsmasqProcess Server { get; private set; } = null!;

    /// <summary>The hosts file holding <c>changing.test</c>, which a test rewrites.</summary>
    internal string ChangingHosts => Path.Combine(_directory, "changing.hosts");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(ChangingHosts, "127.0.0.51 changing.test\n");
        string many = Path.Combine(_directory, "many.hosts");
        await File.WriteAllLinesAsync(many, Enumerable.Range(1, 60).Select(i => $"127.0.1.{i} many.test"));
        Server = await DnsmasqProcess.StartAsync(
        [
            "--local-ttl=1",
            "--edns-packet-max=512",
            "--addn-hosts=" + ChangingHosts,
            "--addn-hosts=" + many,

            // NAPTR -> SRV -> A: TCP preferred by order, UDP next.
            "--naptr-record=chain.test,10,50,s,SIP+D2T,,_sip._tcp.chain.test",
            "--naptr-record=chain.test,20,50,s,SIP+D2U,,_sip._udp.chain.test",
            "--naptr-record=chain.test,30,50,s,SIP+D2W,,_sip._ws.chain.test",
            "--srv-host=_sip._tcp.chain.test,pbx1.chain.test,5080,0,0",
            "--srv-host=_sip._udp.chain.test,pbx1.chain.test,5090,0,0",
            "--host-record=pbx1.chain.test,127.0.0.21",

            // A NAPTR for TLS only: a sips URI uses it, a sip URI may too.
            "--naptr-record=secure.test,10,50,s,SIPS+D2T,,_sips._tcp.secure.test",
            "--srv-host=_sips._tcp.secure.test,edge.secure.test,5063,0,0",
            "--host-record=edge.secure.test,127.0.0.22",

            // Two priorities; weights 30 and 10 in the preferred one.
            "--srv-host=_sip._udp.weights.test,primary-a.weights.test,5060,10,30",
            "--srv-host=_sip._udp.weights.test,primary-b.weights.test,5060,10,10",
            "--srv-host=_sip._udp.weights.test,backup.weights.test,5060,20,0",
            "--host-record=primary-a.weights.test,127.0.0.31",
            "--host-record=primary-b.weights.test,127.0.0.32",
            "--host-record=backup.weights.test,127.0.0.33",

            // IPv4 and IPv6; an alias to it.
            "--host-record=dual.test,127.0.0.41,::1",
            "--cname=alias.test,dual.test",
        ]);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
