using Microsoft.Extensions.DependencyInjection;
using SipDialogs.Auth;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Hosting;

/// <summary>A stack made by the dependency injection container, as an application would.</summary>
public sealed class ServiceCollectionTests
{
    [Fact]
    public async Task TheContainerBuildsTheStackWithTheRegisteredHandlerAndDisposesIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISipRequestHandler>(new IncomingCallUas(async (call, ct) => await call.RejectAsync(603, cancellationToken: ct)));
        services.AddSipStack(options =>
        {
            options.Listen.Add("udp:127.0.0.1:0");
            options.Timers.T1 = TimeSpan.FromMilliseconds(50);
        });
        SipStack stack;
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            stack = provider.GetRequiredService<SipStack>();
            Assert.Same(stack, provider.GetRequiredService<SipStack>());
            await stack.StartAsync();
            await using var caller = new SipStack(Parties.Options());
            await caller.StartAsync();

            OutgoingCall call = await caller.InviteAsync("sip:bob@" + stack.LocalEndPoints.Single(e => e.Protocol == SipTransportProtocol.Udp).Address);
            var declined = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(CallTests.Timeout));
            Assert.Equal(603, declined.StatusCode);
        }

        // Disposed with the container: it takes no more calls.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stack.StartAsync());
    }

    [Fact]
    public async Task AContainerWithMetricsGivesTheStackItsMeterAndOneWithoutGivesItNone()
    {
        await using (ServiceProvider metered = new ServiceCollection().AddMetrics().AddSipStack(o => o.Listen.Add("udp:127.0.0.1:0")).BuildServiceProvider())
        {
            Assert.NotNull(metered.GetRequiredService<SipStack>().Metrics);
        }

        await using ServiceProvider plain = new ServiceCollection().AddSipStack(o => o.Listen.Add("udp:127.0.0.1:0")).BuildServiceProvider();
        Assert.Null(plain.GetRequiredService<SipStack>().Metrics);
    }

    [Fact]
    public async Task ADigestGateInTheContainerChallengesCallsToTheStackAndCredentialsGetThrough()
    {
        Assert.True(DigestSecretFile.TryParse("alice di.test plain:wonderland\n", out DigestSecretFile? secrets, out string? error), error);
        var gate = new DigestGate(new DigestAuthenticator(new DigestServerOptions { Realm = "di.test" }, secrets), ["INVITE"]);
        var services = new ServiceCollection();
        services.AddSingleton(gate);
        services.AddSingleton<ISipRequestHandler>(new IncomingCallUas(async (call, ct) => await call.RejectAsync(603, cancellationToken: ct)));
        services.AddSipStack(options =>
        {
            options.Listen.Add("udp:127.0.0.1:0");
            options.Timers.T1 = TimeSpan.FromMilliseconds(50);
        });
        await using ServiceProvider provider = services.BuildServiceProvider();
        SipStack stack = provider.GetRequiredService<SipStack>();
        Assert.Same(gate, stack.Gate);
        await stack.StartAsync();
        await using var caller = new SipStack(Parties.Options());
        await caller.StartAsync();
        string target = "sip:bob@" + stack.LocalEndPoints.Single(e => e.Protocol == SipTransportProtocol.Udp).Address;

        OutgoingCall bare = await caller.InviteAsync(target);
        var challenged = await Assert.ThrowsAsync<SipCallFailedException>(() => bare.Answered.WaitAsync(CallTests.Timeout));
        var digest = new DigestClient(new SipCredentialTable { Default = new SipCredential("alice", "wonderland") });
        OutgoingCall answered = await caller.InviteAsync(target, new InviteOptions { Digest = digest });
        var declined = await Assert.ThrowsAsync<SipCallFailedException>(() => answered.Answered.WaitAsync(CallTests.Timeout));

        Assert.Equal(401, challenged.StatusCode);
        Assert.Equal(603, declined.StatusCode); // Past the gate, the handler answered.
    }

    [Fact]
    public async Task NamedDigestClientsInTheContainerAreHeldForImportedDialogs()
    {
        var trunk = new DigestClient(new SipCredentialTable { Default = new SipCredential("alice", "wonderland") }) { Name = "trunk" };
        await using ServiceProvider provider = new ServiceCollection()
            .AddSingleton(trunk)
            .AddSingleton(new DigestClient(new SipCredentialTable()))
            .AddSipStack(o => o.Listen.Add("udp:127.0.0.1:0"))
            .BuildServiceProvider();

        Assert.Same(trunk, Assert.Single(provider.GetRequiredService<SipStack>().DialogLayer.DigestClients).Value);
    }

    [Fact]
    public async Task WithoutADigestGateInTheContainerTheStackHasNone()
    {
        await using ServiceProvider provider = new ServiceCollection().AddSipStack(o => o.Listen.Add("udp:127.0.0.1:0")).BuildServiceProvider();
        Assert.Null(provider.GetRequiredService<SipStack>().Gate);
    }

    [Fact]
    public void InvalidOptionsAreRefusedWhenTheStackIsBuilt()
    {
        var services = new ServiceCollection();
        services.AddSipStack(options => options.Listen.Add("carrier-pigeon:127.0.0.1:0"));
        using ServiceProvider provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<SipStack>());
        Assert.Contains("carrier-pigeon", error.Message, StringComparison.Ordinal);
    }
}
