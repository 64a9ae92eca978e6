-- check visits_unique_address_port: does any sealed run list an (address, port) more than once in visits?
-- Each returned row is a violation (zero rows = pass).
--   network, run_id   the run
--   address, port     the repeated node
--   rows_found        how many visits rows it has (> 1)
with
visits_source as (
    select network, run_id, address, port from visits
)

select network, run_id, address, port, count(*) as rows_found
from visits_source
group by network, run_id, address, port
having count(*) > 1
order by network, run_id, address, port;
