/**
 * A Mongoose model suite over SecantusServer: schemas, validation, unique indexes, populate,
 * transactions, change streams.
 */
import assert from "node:assert/strict";
import mongoose from "mongoose";
import { SecantusServer } from "secantusdb";

describe("Mongoose models on SecantusDB", function () {
  this.timeout(30000);
  let server;

  const Author = mongoose.model(
    "Author",
    new mongoose.Schema({ name: { type: String, required: true, unique: true } }),
  );
  const Book = mongoose.model(
    "Book",
    new mongoose.Schema({
      title: { type: String, required: true },
      pages: { type: Number, min: 1 },
      genre: { type: String, enum: ["novel", "poetry"] },
      author: { type: mongoose.Schema.Types.ObjectId, ref: "Author" },
    }),
  );

  before(async () => {
    server = await SecantusServer.create();
    await mongoose.connect(server.getUri("library"));
    await Author.init(); // builds the unique index
  });
  after(async () => {
    await mongoose.disconnect();
    await server.stop();
  });

  it("validates documents", async () => {
    await assert.rejects(Book.create({ pages: 0, genre: "cookbook" }), (e) => {
      assert.equal(e.name, "ValidationError");
      assert.deepEqual(Object.keys(e.errors).sort(), ["genre", "pages", "title"]);
      return true;
    });
  });

  it("enforces a unique index with mongod's duplicate-key error", async () => {
    await Author.create({ name: "Le Guin" });
    await assert.rejects(Author.create({ name: "Le Guin" }), (e) => e.code === 11000);
  });

  it("populates references", async () => {
    const author = await Author.findOne({ name: "Le Guin" });
    await Book.create({ title: "The Dispossessed", pages: 387, genre: "novel", author: author._id });
    const book = await Book.findOne({ title: "The Dispossessed" }).populate("author").lean();
    assert.equal(book.author.name, "Le Guin");
    const count = await Book.aggregate([{
      $lookup: { from: "authors", localField: "author", foreignField: "_id", as: "a" },
    }]);
    assert.equal(count[0].a[0].name, "Le Guin");
  });

  it("commits a transaction with a session", async () => {
    await mongoose.connection.transaction(async (session) => {
      const [poet] = await Author.create([{ name: "Szymborska" }], { session });
      await Book.create([{ title: "View with a Grain of Sand", genre: "poetry", author: poet._id }], {
        session,
      });
    });
    assert.equal(await Book.countDocuments({ genre: "poetry" }), 1);
  });

  it("rolls a transaction back", async () => {
    const session = await mongoose.startSession();
    session.startTransaction();
    await Book.create([{ title: "Draft" }], { session });
    await session.abortTransaction();
    await session.endSession();
    assert.equal(await Book.countDocuments({ title: "Draft" }), 0);
  });

  it("watch() reports an insert and an update with the full document", async () => {
    const stream = Book.watch([], { fullDocument: "updateLookup" });
    const events = [];
    const two = new Promise((resolve, reject) => {
      stream.on("change", (e) => {
        events.push(e);
        if (events.length === 2) resolve();
      });
      stream.once("error", reject);
    });
    try {
      await new Promise((r) => setTimeout(r, 200)); // the stream's aggregate is open
      const book = await Book.create({ title: "Watched" });
      await Book.updateOne({ _id: book._id }, { $set: { pages: 12 } });
      await Promise.race([two, new Promise((_, rej) => setTimeout(() => rej(new Error("no event")), 10000))]);
    } finally {
      await stream.close().catch(() => {});
    }
    assert.equal(events[0].operationType, "insert");
    assert.equal(events[0].fullDocument.title, "Watched");
    assert.equal(events[1].operationType, "update");
    assert.deepEqual(events[1].updateDescription.updatedFields, { pages: 12 });
    assert.equal(events[1].fullDocument.pages, 12);
  });
});
