import uuid

async def test_two_users_exchange(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "hello <b>sam</b>"})
    ack = await maya.recv_type("message.new")
    got = await sam.recv_type("message.new")
    assert ack == got
    print(got)
