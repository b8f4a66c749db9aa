// bsq_tb_common.vh: what the Icarus testbenches (bsq_tb.v, bsq_serial_tb.v)
// share, included inside module bsq_tb after its ports and parameters
// (WordBits, NFrames, NWords, StallPct, Seed): the expected words, the
// start with its reset, the stall pattern, the check of every output beat,
// the clock, and the AXI4-Stream rule checks, the same rules as the
// Verilator harnesses' (harness_common.h):
//   tvalid-stable, tdata-stable, tlast-stable: m_axis_tvalid, m_axis_tdata
//     and m_axis_tlast stay from a cycle with tvalid && !tready to the next;
//   tvalid-no-wait: with m_axis_tready held low for a span, a word due for
//     more than Latency cycles is on m_axis (the caller says since when a
//     word is due: axis_check's argument, -1 for none);
//   no-comb-ready, no-comb-valid: flipping m_axis_tready changes neither
//     s_axis_tready nor m_axis_tvalid in the same cycle;
//   master-holds: the testbench's own master keeps its beat up until the
//     handshake.
// A broken rule prints "%Error: axi: cycle=N rule=NAME: ..." (the first
// few per rule) and counts in axi_violations.

  reg [WordBits:0] expect [0:(NWords > 0 ? NWords - 1 : 0)];
  integer next, nword, mismatches, cycle, idle, seed_q, stall;
  reg in_fire, out_fire, presenting;

  // Everything at its start, rst_n low over two rising edges, then clk low
  // with the inputs idle.
  task tb_start;
    begin
      if (NWords > 0) $readmemh("expect.hex", expect);
      seed_q = Seed;
      next = 0;
      nword = 0;
      mismatches = 0;
      cycle = 0;
      idle = 0;
      presenting = 1'b0;
      axis_init;
      clk = 1'b0;
      rst_n = 1'b0;
      s_axis_tvalid = 1'b0;
      m_axis_tready = 1'b0;
      #10 clk = 1'b1;
      #10 clk = 1'b0;
      #10 clk = 1'b1;
      #5 rst_n = 1'b1;
      #5 clk = 1'b0;
    end
  endtask

  // s_axis_tvalid for this cycle: a beat once presented stays until the
  // handshake; otherwise up with chance 100 - StallPct while beats are left.
  task tb_valid;
    begin
      stall = $random(seed_q);
      s_axis_tvalid = presenting || ((next < NFrames) &&
                      !(StallPct > 0 && ((stall & 32'h7fffffff) % 100) < StallPct));
    end
  endtask

  // At the sampling point: the handshakes, and the output beat against the
  // next expected word.
  task tb_sample;
    begin
      in_fire = s_axis_tvalid && s_axis_tready;
      out_fire = m_axis_tvalid && m_axis_tready;
      if (out_fire) begin
        if (nword >= NWords) begin
          mismatches = mismatches + 1;
          if (mismatches <= 5)
            $display("%%Error: cycle=%0d unexpected word GOT=0x%h", cycle,
                     m_axis_tdata);
        end else if ({m_axis_tlast, m_axis_tdata} !== expect[nword]) begin
          mismatches = mismatches + 1;
          if (mismatches <= 5)
            $display("%%Error: cycle=%0d word=%0d GOT=0x%h tlast=%b EXP=0x%h tlast=%b",
                     cycle, nword, m_axis_tdata, m_axis_tlast,
                     expect[nword][WordBits-1:0], expect[nword][WordBits]);
        end
        nword = nword + 1;
      end
      presenting = s_axis_tvalid && !in_fire;
      if (in_fire) next = next + 1;
    end
  endtask

  // The end of a cycle: drained (or timed out), and the rising edge.
  task tb_tick;
    begin
      if (next >= NFrames && nword >= NWords && !m_axis_tvalid) idle = idle + 1;
      if (cycle > 100 * (NFrames + NWords) + 1000) idle = 1 << 30;  // timeout
      #5 clk = 1'b1;
      #10 clk = 1'b0;
      cycle = cycle + 1;
    end
  endtask

  function tb_running;
    input dummy;
    tb_running = idle < 64 + 4 * NWords / (NFrames > 0 ? NFrames : 1);
  endfunction

  localparam integer Latency  = 32;  // as AXIS_LATENCY in harness_common.h
  localparam integer SpanMin  = Latency + 8;
  localparam integer SpanEvery = 256;

  integer axi_violations, ax_span, ax_low_since, ax_m_since, ax_s_index;
  integer ax_rep0, ax_rep1, ax_rep2, ax_rep3, ax_rep4, ax_rep5, ax_rep6;
  reg                ax_m_stalled, ax_m_last, ax_waited, ax_s_stalled;
  reg [WordBits-1:0] ax_m_data;

  task axis_init;
    begin
      axi_violations = 0;
      ax_span = 0;
      ax_low_since = -1;
      ax_m_since = 0;
      ax_s_index = 0;
      ax_rep0 = 0; ax_rep1 = 0; ax_rep2 = 0; ax_rep3 = 0;
      ax_rep4 = 0; ax_rep5 = 0; ax_rep6 = 0;
      ax_m_stalled = 1'b0;
      ax_m_last = 1'b0;
      ax_waited = 1'b0;
      ax_s_stalled = 1'b0;
      ax_m_data = {WordBits{1'b0}};
    end
  endtask

  // m_axis_tready for this cycle: low with chance StallPct, and (with
  // StallPct > 0) held low for spans of SpanMin..2 SpanMin-1 cycles.
  task axis_ready;
    begin
      if (StallPct > 0 && ax_span == 0 &&
          (($random(seed_q) & 32'h7fffffff) % SpanEvery) == 0)
        ax_span = SpanMin + (($random(seed_q) & 32'h7fffffff) % SpanMin);
      if (ax_span > 0) begin
        ax_span = ax_span - 1;
        m_axis_tready = 1'b0;
      end else begin
        stall = $random(seed_q);
        m_axis_tready = !(StallPct > 0 && ((stall & 32'h7fffffff) % 100) < StallPct);
      end
    end
  endtask

  // At the sampling point, inputs settled; takes 2 time units (m_axis_tready
  // flipped and restored). due: the cycle since which the oldest expected
  // word not yet out is due, or -1.
  task axis_check;
    input integer due;
    reg mv, sr, mv_f, sr_f;
    integer from;
    begin
      mv = m_axis_tvalid;
      sr = s_axis_tready;
      if (ax_m_stalled) begin
        if (m_axis_tvalid !== 1'b1) begin
          axi_violations = axi_violations + 1;
          ax_rep0 = ax_rep0 + 1;
          if (ax_rep0 <= 5)
            $display("%%Error: axi: cycle=%0d rule=tvalid-stable: m_axis_tvalid dropped before the handshake (up and stalled since cycle %0d)",
                     cycle, ax_m_since);
        end else if (m_axis_tdata !== ax_m_data) begin
          axi_violations = axi_violations + 1;
          ax_rep1 = ax_rep1 + 1;
          if (ax_rep1 <= 5)
            $display("%%Error: axi: cycle=%0d rule=tdata-stable: m_axis_tdata changed while m_axis_tvalid && !m_axis_tready: GOT=0x%h was 0x%h (stalled since cycle %0d)",
                     cycle, m_axis_tdata, ax_m_data, ax_m_since);
        end else if (m_axis_tlast !== ax_m_last) begin
          axi_violations = axi_violations + 1;
          ax_rep2 = ax_rep2 + 1;
          if (ax_rep2 <= 5)
            $display("%%Error: axi: cycle=%0d rule=tlast-stable: m_axis_tlast changed while m_axis_tvalid && !m_axis_tready: GOT=%b was %b (stalled since cycle %0d)",
                     cycle, m_axis_tlast, ax_m_last, ax_m_since);
        end
      end
      if (m_axis_tvalid === 1'b1 && !m_axis_tready) begin
        if (!ax_m_stalled) ax_m_since = cycle;
        ax_m_stalled = 1'b1;
        ax_m_data = m_axis_tdata;
        ax_m_last = m_axis_tlast;
      end else begin
        ax_m_stalled = 1'b0;
      end
      if (m_axis_tready) begin
        ax_low_since = -1;
        ax_waited = 1'b0;
      end else if (ax_low_since < 0) begin
        ax_low_since = cycle;
      end
      if (!m_axis_tready && m_axis_tvalid !== 1'b1 && due >= 0 && !ax_waited) begin
        from = due > ax_low_since ? due : ax_low_since;
        if (cycle - from > Latency) begin
          ax_waited = 1'b1;
          axi_violations = axi_violations + 1;
          ax_rep3 = ax_rep3 + 1;
          if (ax_rep3 <= 5)
            $display("%%Error: axi: cycle=%0d rule=tvalid-no-wait: m_axis_tvalid waits on m_axis_tready: a word is due since cycle %0d, m_axis_tready low since cycle %0d, m_axis_tvalid still low",
                     cycle, due, ax_low_since);
        end
      end
      m_axis_tready = !m_axis_tready;
      #1;
      sr_f = s_axis_tready;
      mv_f = m_axis_tvalid;
      m_axis_tready = !m_axis_tready;
      #1;
      if (sr_f !== sr) begin
        axi_violations = axi_violations + 1;
        ax_rep4 = ax_rep4 + 1;
        if (ax_rep4 <= 5)
          $display("%%Error: axi: cycle=%0d rule=no-comb-ready: combinational path m_axis_tready -> s_axis_tready: s_axis_tready=%b with m_axis_tready=%b, %b with %b",
                   cycle, sr, m_axis_tready, sr_f, !m_axis_tready);
      end
      if (mv_f !== mv) begin
        axi_violations = axi_violations + 1;
        ax_rep5 = ax_rep5 + 1;
        if (ax_rep5 <= 5)
          $display("%%Error: axi: cycle=%0d rule=no-comb-valid: combinational path m_axis_tready -> m_axis_tvalid: m_axis_tvalid=%b with m_axis_tready=%b, %b with %b",
                   cycle, mv, m_axis_tready, mv_f, !m_axis_tready);
      end
      if (ax_s_stalled && (!s_axis_tvalid || ax_s_index != next)) begin
        axi_violations = axi_violations + 1;
        ax_rep6 = ax_rep6 + 1;
        if (ax_rep6 <= 5)
          $display("%%Error: axi: cycle=%0d rule=master-holds: the testbench dropped s_axis_tvalid or changed s_axis_tdata before the handshake",
                   cycle);
      end
      ax_s_stalled = s_axis_tvalid && !s_axis_tready;
      ax_s_index = next;
    end
  endtask
