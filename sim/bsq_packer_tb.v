// bsq_packer_tb: rtl/bsq_packer.v on its own, under Icarus. Random frames
// with random frame_valid / word_ready gaps (StallPct percent each); a
// behavioural reference (a bit queue: frame bits in LSB first, zero padding
// to a word boundary after each frame in aligned mode) predicts every word
// and word_last. Also checks throughput: with no stalls and a frame that
// fits a word, one frame must be accepted every cycle.
//
//   iverilog -g2001 -Pbsq_packer_tb.FrameBits=37 -Pbsq_packer_tb.WordBits=5
//            -Pbsq_packer_tb.Aligned=1 sim/bsq_packer_tb.v rtl/bsq_packer.v
// Prints "RESULT frames=.. words=.. mismatches=.." and finishes. With
// Standalone=0 it finishes nothing: it raises `done` with the mismatch
// count in `fails` (sim/bsq_packer_sweep_tb.v runs many side by side).
// With the output always ready, a frame wider than a word (padded, in
// aligned mode) must keep word_valid high every cycle.

`default_nettype none
`timescale 1ns / 1ps

module bsq_packer_tb #(
  parameter integer FrameBits  = 8,
  parameter integer WordBits   = 8,
  parameter integer Aligned    = 0,
  parameter integer Arch       = 0,  // the packer's datapath (0 its own choice)
  parameter integer NFrames    = 400,
  parameter integer StallPct   = 30,
  parameter integer Seed       = 7,
  parameter integer Standalone = 1,
  parameter integer FastCycles = 100,  // cycles without stalls at the start
  parameter integer QBits      = 1 << 16  // reference queue, far above in flight
) (
  output reg         done,
  output reg [31:0]  fails
);

  localparam integer QBITS = QBits;
  localparam integer WPF   = (FrameBits + WordBits - 1) / WordBits;
  localparam integer PAD   = (Aligned != 0) ? WPF * WordBits : FrameBits;

  reg                  clk;
  reg                  rst_n;
  reg                  frame_valid;
  wire                 frame_ready;
  reg  [FrameBits-1:0] frame_data;
  wire                 word_valid;
  reg                  word_ready;
  wire [WordBits-1:0]  word_data;
  wire                 word_last;

  bsq_packer #(
    .FrameBits (FrameBits),
    .WordBits  (WordBits),
    .Aligned   (Aligned),
    .Arch      (Arch)
  ) dut (
    .clk         (clk),
    .rst_n       (rst_n),
    .frame_valid (frame_valid),
    .frame_ready (frame_ready),
    .frame_data  (frame_data),
    .word_valid  (word_valid),
    .word_ready  (word_ready),
    .word_data   (word_data),
    .word_last   (word_last)
  );

  reg     qbits [0:QBITS-1];
  integer head, tail, nframes, nwords, mismatches, cycle, i, r, seed_q, idle;
  integer stall_phase, prev_frames;
  reg     [WordBits-1:0] expect_word;
  reg     expect_last;

  task new_frame;
    integer b;
    begin
      for (b = 0; b < FrameBits; b = b + 1) begin
        r = $random(seed_q);
        frame_data[b] = r[0];
      end
    end
  endtask

  initial begin
    done = 1'b0;
    fails = 32'd0;
    seed_q = Seed;
    head = 0;
    tail = 0;
    nframes = 0;
    prev_frames = 0;
    nwords = 0;
    mismatches = 0;
    cycle = 0;
    idle = 0;
    clk = 1'b0;
    rst_n = 1'b0;
    frame_valid = 1'b0;
    word_ready = 1'b0;
    frame_data = {FrameBits{1'b0}};
    new_frame;
    #10 clk = 1'b1;
    #5 rst_n = 1'b1;
    #5 clk = 1'b0;
    while (idle < 8 * WPF + 16) begin
      // the first FastCycles cycles run without stalls (throughput check)
      if (nframes != prev_frames) new_frame;  // after the edge took the last
      prev_frames = nframes;
      stall_phase = cycle >= FastCycles && StallPct > 0;
      r = $random(seed_q);
      frame_valid = nframes < NFrames &&
                    !(stall_phase && ((r & 32'h7fffffff) % 100) < StallPct);
      r = $random(seed_q);
      word_ready = !(stall_phase && ((r & 32'h7fffffff) % 100) < StallPct);
      #5;
      if (word_valid && word_ready) begin
        if (tail - head < WordBits) begin
          mismatches = mismatches + 1;
          $display("%%Error: cycle=%0d word %0d with only %0d bits queued",
                   cycle, nwords, tail - head);
        end else begin
          for (i = 0; i < WordBits; i = i + 1)
            expect_word[i] = qbits[(head + i) % QBITS];
          expect_last = Aligned != 0 && (nwords % WPF) == WPF - 1;
          if (word_data !== expect_word || word_last !== expect_last) begin
            mismatches = mismatches + 1;
            if (mismatches <= 5)
              $display("%%Error: cycle=%0d word=%0d GOT=0x%h last=%b EXP=0x%h last=%b",
                       cycle, nwords, word_data, word_last, expect_word,
                       expect_last);
          end
          head = head + WordBits;
        end
        nwords = nwords + 1;
      end
      if (frame_valid && frame_ready) begin
        for (i = 0; i < FrameBits; i = i + 1) begin
          qbits[tail % QBITS] = frame_data[i];
          tail = tail + 1;
        end
        if (Aligned != 0)
          while (tail % WordBits != 0) begin
            qbits[tail % QBITS] = 1'b0;
            tail = tail + 1;
          end
        nframes = nframes + 1;
      end
      if (cycle >= 8 && cycle < FastCycles && PAD > WordBits && !word_valid &&
          nframes < NFrames) begin
        mismatches = mismatches + 1;
        if (mismatches <= 5)
          $display("%%Error: cycle=%0d output idle with frames offered", cycle);
      end
      if (cycle == FastCycles - 1 && FrameBits <= WordBits &&
          nframes < FastCycles - 2 && nframes < NFrames) begin
        mismatches = mismatches + 1;
        $display("%%Error: only %0d frames in %0d unstalled cycles", nframes,
                 FastCycles);
      end
      if (nframes >= NFrames && !word_valid) idle = idle + 1;
      if (cycle > 200 * NFrames * (WPF + 1)) idle = 1 << 30;  // timeout
      #5 clk = 1'b1;
      #10 clk = 1'b0;
      cycle = cycle + 1;
    end
    if (nframes != NFrames || tail - head >= WordBits ||
        (Aligned != 0 && tail != head)) begin
      mismatches = mismatches + 1;
      $display("%%Error: %0d of %0d frames accepted, %0d bits left over",
               nframes, NFrames, tail - head);
    end
    if (Standalone != 0) begin
      $display("RESULT frames=%0d words=%0d mismatches=%0d cycles=%0d", nframes,
               nwords, mismatches, cycle);
      $finish;
    end
    if (mismatches != 0)
      $display("%%Error: B=%0d K=%0d aligned=%0d arch=%0d: %0d mismatches",
               FrameBits, WordBits, Aligned, Arch, mismatches);
    fails = mismatches;
    done = 1'b1;
  end
endmodule

`default_nettype wire
