using FinScale.Streaming.Avro;

namespace FinScale.Streaming.Tests.Avro;

public sealed class AvroFramingTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(0x0102030405060708L)]
    public void WriteSingleObjectHeader_Fingerprint_ReadsBack(long fingerprint)
    {
        var header = new byte[AvroFraming.SingleObjectHeaderLength];

        AvroFraming.WriteSingleObjectHeader(header, fingerprint);

        Assert.True(AvroFraming.TryReadSingleObjectHeader(header, out var read));
        Assert.Equal(fingerprint, read);
        Assert.False(AvroFraming.TryReadRegistryHeader(header, out _));
    }

    [Fact]
    public void WriteSingleObjectHeader_Fingerprint_MarkerThenLittleEndian()
    {
        var header = new byte[AvroFraming.SingleObjectHeaderLength];

        AvroFraming.WriteSingleObjectHeader(header, 0x0102030405060708L);

        Assert.Equal(new byte[] { 0xC3, 0x01, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 }, header);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    [InlineData(0x01020304)]
    public void WriteRegistryHeader_SchemaId_ReadsBack(int id)
    {
        var header = new byte[AvroFraming.RegistryHeaderLength];

        AvroFraming.WriteRegistryHeader(header, id);

        Assert.True(AvroFraming.TryReadRegistryHeader(header, out var read));
        Assert.Equal(id, read);
        Assert.False(AvroFraming.TryReadSingleObjectHeader(header, out _));
    }

    [Fact]
    public void WriteRegistryHeader_SchemaId_MagicZeroThenBigEndian()
    {
        var header = new byte[AvroFraming.RegistryHeaderLength];

        AvroFraming.WriteRegistryHeader(header, 0x01020304);

        Assert.Equal(new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04 }, header);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7 })] // one byte short
    [InlineData(new byte[] { 0xC3, 0x00, 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { 0x01, 0xC3, 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void TryReadSingleObjectHeader_NotAHeader_ReturnsFalseAndZero(byte[] data)
    {
        Assert.False(AvroFraming.TryReadSingleObjectHeader(data, out var fingerprint));
        Assert.Equal(0, fingerprint);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x01 })] // one byte short
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x01 })]
    public void TryReadRegistryHeader_NotAHeader_ReturnsFalseAndZero(byte[] data)
    {
        Assert.False(AvroFraming.TryReadRegistryHeader(data, out var id));
        Assert.Equal(0, id);
    }

    [Fact]
    public void TryReadSingleObjectHeader_HeaderFollowedByBody_ReadsOnlyHeader()
    {
        byte[] data = [0xC3, 0x01, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x42, 0x43];

        Assert.True(AvroFraming.TryReadSingleObjectHeader(data, out var fingerprint));
        Assert.Equal(0xFF, fingerprint);
    }
}
