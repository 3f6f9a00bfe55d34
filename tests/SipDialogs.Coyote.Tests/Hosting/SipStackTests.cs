using System.Net;
using System.Net.Sockets;
using SipDialogs.Hosting;
using SipDialogs.Transport;

namespace SipDialogs.Coyote.Tests.Hosting;

/// <summary>
/// <see cref="SipStack.DisposeAsync"/> from many tasks at once, on a stack listening on a real UDP socket. Coyote
/// schedules the callers, the shards and the stack's own tasks; the transport's disposal also waits for work the runtime
/// does on its own threads (the pending receives, completed by its socket threads once the socket closes), so the test
/// waits with <see cref="Exploration.WhenCompletedOutsideCoyoteAsync"/>, and a seed replays Coyote's choices but not the
/// moment the operating system completes a receive. <see cref="Runtime.ShardSetTests"/> explores the same path once the
/// sockets are closed, under Coyote's control.
/// </summary>
public class SipStackTests
{
    private const int Callers = 4;

    [Fact]
    public void DisposeFromManyCallersAtOnceCompletesOnceAndReleasesTheSocket()
    {
        Exploration.Run(static async () =>
        {
            var options = new SipStackOptions();
            options.Listen.Add("udp:127.0.0.1:0");
            options.Shards.ShardCount = 2;
            var stack = new SipStack(options);
            await stack.StartAsync();
            IPEndPoint bound = stack.LocalEndPoints.Single(static e => e.Protocol == SipTransportProtocol.Udp).Address;

            var callers = new Task<Task>[Callers];
            for (int i = 0; i < Callers; i++)
            {
                callers[i] = Task.Run<Task>(() => stack.DisposeAsync().AsTask());
            }

            // Every caller is handed the one disposal, and it completes without a fault.
            Task[] disposals = await Task.WhenAll(callers);
            Assert.All(disposals, d => Assert.Same(disposals[0], d));
            await Exploration.WhenCompletedOutsideCoyoteAsync(disposals[0]);

            // Nothing is left behind: the port can be bound again, no timer runs, and the stack cannot be restarted.
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                socket.Bind(bound);
            }

            Assert.Equal(0, stack.TimerCount);
            Assert.True(stack.DisposeAsync().AsTask().IsCompletedSuccessfully);
            await Expect.ThrowsAsync<ObjectDisposedException>(() => stack.StartAsync());
        }, iterations: 100);
    }
}
