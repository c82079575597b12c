-- A stand-in for Neovim 0.12's `vim.lsp.inline_completion` (not installable here), written to
-- its documented API: enable(enable, filter) with `bufnr` and `client_id` mutually exclusive,
-- get({ on_accept }) returning whether an item was taken, select({ count }). It asks the
-- attached server on every edit in Insert mode and draws the first item as an extmark in the
-- namespace Neovim uses, so the plugin's 0.12 path runs in Neovim 0.11 against the real server.
local M = { enable_calls = {} }
local api = vim.api
local ns = api.nvim_create_namespace('nvim.lsp.inline_completion')
local states = {} -- bufnr -> { client_id, items, index }

local function hide(bufnr)
  api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
end

local function present(bufnr, state, hint)
  hide(bufnr)
  local item = state.items[state.index]
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local text = item.insertText:match('^[^\n]*') .. (hint or '')
  api.nvim_buf_set_extmark(
    bufnr,
    ns,
    row - 1,
    col,
    { virt_text = { { text } }, virt_text_pos = 'inline' }
  )
end

local function request(bufnr)
  local state = states[bufnr]
  hide(bufnr)
  state.items = {}
  local client = vim.lsp.get_client_by_id(state.client_id)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 2 }
  client:request('textDocument/inlineCompletion', params, function(_, result)
    if result and #result.items > 0 and vim.startswith(api.nvim_get_mode().mode, 'i') then
      state.items, state.index = result.items, 1
      present(bufnr, state)
    end
  end, bufnr)
end

function M.enable(enable, filter)
  assert(not (filter.bufnr and filter.client_id), '`bufnr` and `client_id` are mutually exclusive.')
  table.insert(M.enable_calls, { enable = enable, filter = filter })
  local client = vim.lsp.get_client_by_id(filter.client_id)
  for bufnr in pairs(client and client.attached_buffers or {}) do
    if enable and not states[bufnr] then
      states[bufnr] = { client_id = client.id, items = {}, index = 1 }
      api.nvim_create_autocmd('TextChangedI', {
        buffer = bufnr,
        callback = function()
          request(bufnr)
        end,
      })
    end
  end
end

function M.get(opts)
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  local item = state and state.items[state.index]
  if not item then
    return false
  end
  vim.schedule(function()
    hide(bufnr)
    state.items = {}
    local start = item.range and item.range.start -- ASCII in the test: characters are bytes
    local taken = {
      client_id = state.client_id,
      insert_text = item.insertText,
      command = item.command,
      range = start and { start = { row = start.line, col = start.character } },
    }
    if opts and opts.on_accept then
      opts.on_accept(taken)
    else
      local row, col = unpack(api.nvim_win_get_cursor(0))
      local first, last = col, col -- the item's range, or the cursor
      if item.range then
        first, last = item.range.start.character, item.range['end'].character
      end
      api.nvim_buf_set_text(bufnr, row - 1, first, row - 1, last, { item.insertText })
      api.nvim_win_set_cursor(0, { row, first + #item.insertText })
    end
  end)
  return true
end

function M.select(opts)
  local state = states[opts.bufnr]
  if state and #state.items > 0 then
    state.index = (state.index + opts.count - 1) % #state.items + 1
    present(opts.bufnr, state, (' (%d/%d)'):format(state.index, #state.items))
  end
end

return M
