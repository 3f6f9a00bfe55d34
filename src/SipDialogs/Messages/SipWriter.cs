using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>Writes the pieces of a SIP message as bytes into a buffer writer.</summary>
internal static class SipWriter
{
    public static void WriteAscii(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        Span<byte> span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }

    public static void WriteString(IBufferWriter<byte> writer, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> span = writer.GetSpan(max);
        int written = Encoding.UTF8.GetBytes(text, span);
        writer.Advance(written);
    }

    public static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        Span<byte> span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        writer.Advance(written);
    }

    public static void WriteHeader(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int length = name.Length + 2 + value.Length + 2;
        Span<byte> span = writer.GetSpan(length);
        name.CopyTo(span);
        span[name.Length] = (byte)':';
        span[name.Length + 1] = (byte)' ';
        value.CopyTo(span[(name.Length + 2)..]);
        span[length - 2] = (byte)'\r';
        span[length - 1] = (byte)'\n';
        writer.Advance(length);
    }

    public static void WriteHeader(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, string value)
    {
        WriteAscii(writer, name);
        WriteAscii(writer, ": "u8);
        WriteString(writer, value);
        WriteAscii(writer, "\r\n"u8);
    }

    public static void WriteContentLength(IBufferWriter<byte> writer, int length)
    {
        WriteAscii(writer, "Content-Length: "u8);
        WriteNumber(writer, length);
        WriteAscii(writer, "\r\n"u8);
    }
}
